"""The persistent message map: which platform message is the copy of which hub post (or a
task's thread parent), in both directions, so edits, deletes and thread replies find their
message after a restart. Inbound copies are written by the write seam with the post itself
(hub.services.post_store); outbound ones by the outbox when a delivery is made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.engine import Database
from hub.db.models import ExternalMessage

PostKind = Literal["message", "comment"]


@dataclass(frozen=True, slots=True)
class PlatformCopy:
    external_id: str
    thread_id: str | None


@dataclass(frozen=True, slots=True)
class HubSide:
    """What a platform message is in the hub: a room message, a task comment, or the parent
    post of a task's thread (`task_id` set, no post)."""

    message_id: int | None
    comment_id: int | None
    task_id: int | None


class MessageMap:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def copy_of(
        self, platform: str, channel: str, kind: PostKind, post_id: int
    ) -> PlatformCopy | None:
        """The platform message the hub posted for this post in `channel`, if it did."""
        column = ExternalMessage.message_id if kind == "message" else ExternalMessage.comment_id
        async with self.database.read() as session:
            row = (
                await session.execute(
                    select(ExternalMessage.external_id, ExternalMessage.thread_id).where(
                        ExternalMessage.platform == platform,
                        ExternalMessage.channel == channel,
                        column == post_id,
                    )
                )
            ).first()
        return None if row is None else PlatformCopy(row[0], row[1])

    async def task_thread(self, platform: str, channel: str, task_id: int) -> str | None:
        """The platform message that is the task's thread parent in `channel`."""
        async with self.database.read() as session:
            found: str | None = await session.scalar(
                select(ExternalMessage.external_id).where(
                    ExternalMessage.platform == platform,
                    ExternalMessage.channel == channel,
                    ExternalMessage.task_id == task_id,
                    ExternalMessage.message_id.is_(None),
                    ExternalMessage.comment_id.is_(None),
                )
            )
        return found

    async def record_task_thread(
        self, platform: str, channel: str, task_id: int, external_id: str
    ) -> None:
        """Remember a task's thread parent as soon as it is posted, before its first reply."""
        async with self.database.write() as session:
            await record_copy(
                session, platform=platform, channel=channel, external_id=external_id,
                task_id=task_id,
            )  # fmt: skip

    async def hub_side(self, platform: str, channel: str, external_id: str) -> HubSide | None:
        async with self.database.read() as session:
            row = (
                await session.execute(
                    select(
                        ExternalMessage.message_id,
                        ExternalMessage.comment_id,
                        ExternalMessage.task_id,
                    ).where(
                        ExternalMessage.platform == platform,
                        ExternalMessage.channel == channel,
                        ExternalMessage.external_id == external_id,
                    )
                )
            ).first()
        return None if row is None else HubSide(row[0], row[1], row[2])


async def record_copy(
    session: AsyncSession,
    *,
    platform: str,
    channel: str,
    external_id: str,
    thread_id: str | None = None,
    message_id: int | None = None,
    comment_id: int | None = None,
    task_id: int | None = None,
) -> None:
    """Remember an outbound copy (a second record of the same platform message is a no-op:
    a reconciled retry finds the copy it made before)."""
    exists = await session.scalar(
        select(ExternalMessage.id).where(
            ExternalMessage.platform == platform,
            ExternalMessage.channel == channel,
            ExternalMessage.external_id == external_id,
        )
    )
    if exists is None:
        session.add(
            ExternalMessage(
                platform=platform,
                channel=channel,
                external_id=external_id,
                thread_id=thread_id,
                message_id=message_id,
                comment_id=comment_id,
                task_id=task_id,
                direction="out",
            )
        )
