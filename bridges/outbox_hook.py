"""The commit hook that fills the outbox: for every committed post, edit or delete in a linked
room or task thread, one delivery per linked channel, and for every mention of a person with
a linked identity, one direct message; written in the same transaction as the hub event, so a
delivery exists exactly when its event does.

Echo prevention, first level: a change that came from a platform channel is never queued back
to that same channel (its other links, on Slack or Discord, still get it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bridges.links import Link, LinkTable
from bridges.protocol import Action
from hub.db.models import ExternalIdentity, OutboxItem, Task, User
from hub.events import (
    CommentCreated,
    CommentDeleted,
    CommentUpdated,
    MessageCreated,
    MessageDeleted,
    MessageUpdated,
    NotificationCreated,
    Origin,
)
from hub.services.unit_of_work import JobEvent

ACTIONS: dict[type, Action] = {
    MessageCreated: "post",
    MessageUpdated: "update",
    MessageDeleted: "delete",
    CommentCreated: "post",
    CommentUpdated: "update",
    CommentDeleted: "delete",
}
DM_KINDS = frozenset({"mention"})


def dm_destination(external_id: str) -> str:
    return f"dm:{external_id}"


class OutboxHook:
    """Queues the deliveries of each committed batch for the platforms whose bridge runs."""

    def __init__(self, links: LinkTable, platforms: frozenset[str]) -> None:
        self.links = links
        self.platforms = platforms

    async def __call__(self, session: AsyncSession, events: Sequence[JobEvent]) -> None:
        if not self.links.loaded:  # a commit before the table was first read: read it here
            await self.links.reload(session)
        rows: list[dict[str, Any]] = []
        tasks: dict[int, Task] = {}
        mentions: list[JobEvent] = []
        for job_event in events:
            event = job_event.event
            if isinstance(event, NotificationCreated):
                if event.data.get("kind") in DM_KINDS:
                    mentions.append(job_event)
                continue
            action = ACTIONS.get(type(event))
            if action is None:
                continue
            if isinstance(event, MessageCreated | MessageUpdated | MessageDeleted):
                links = self.links.of_room(event.room_id)
                payload = _post_payload("message", event.data)
            else:
                assert isinstance(event, CommentCreated | CommentUpdated | CommentDeleted)
                if not self.links.has_board_links:
                    continue
                task = tasks.get(event.task_id) or await session.get(Task, event.task_id)
                if task is None:
                    continue
                tasks[task.id] = task
                links = self.links.of_board(task.board_id)
                payload = _post_payload("comment", event.data)
                payload.update(task=task.id, task_title=task.title, board=task.board_id)
            for link in self._outbound(links, job_event.origin):
                rows.append(_row(link.platform, link.channel, action, payload))
        if mentions:
            rows.extend(await self._direct_messages(session, mentions))
        if rows:
            await session.execute(insert(OutboxItem), rows)

    def _outbound(self, links: list[Link], origin: Origin) -> list[Link]:
        return [
            link
            for link in links
            if link.outbound
            and link.platform in self.platforms
            and not (link.platform == origin.platform and link.channel == origin.channel)
        ]

    async def _direct_messages(
        self, session: AsyncSession, mentions: list[JobEvent]
    ) -> list[dict[str, Any]]:
        """A DM per mention to each linked identity of a person who wants them at once (the
        default), except on the platform the mention was written on: it pinged them there."""
        user_ids = {
            je.event.user_id for je in mentions if isinstance(je.event, NotificationCreated)
        }
        identity = ExternalIdentity
        found = await session.execute(
            select(identity.user_id, identity.platform, identity.external_id, User.preferences)
            .join(User, User.id == identity.user_id)
            .where(identity.user_id.in_(user_ids), identity.platform.in_(self.platforms))
        )
        identities: dict[int, list[tuple[str, str]]] = {}
        for user_id, platform, external_id, preferences in found:
            if (preferences or {}).get("mention_dm", "immediate") == "immediate":
                identities.setdefault(user_id, []).append((platform, external_id))
        rows = []
        for job_event in mentions:
            event = job_event.event
            assert isinstance(event, NotificationCreated)
            for platform, external_id in identities.get(event.user_id, []):
                if platform != job_event.origin.platform:
                    payload = {"kind": "mention", "notification": event.data}
                    rows.append(_row(platform, dm_destination(external_id), "dm", payload))
        return rows


def _post_payload(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """What a platform needs of a post to show it, as it was when it was committed."""
    author = data.get("author") or {}
    return {
        "kind": kind,
        "id": data["id"],
        "room": data.get("room"),
        "body": data.get("body", ""),
        "author_name": author.get("display_name") or data.get("author_name", ""),
        "username": author.get("username"),
        "mentions": data.get("mentions", []),
        "source": data.get("source"),
        "created_at": data.get("created_at"),  # bounds the look for a post made before
    }


def _row(
    platform: str, destination: str, action: Action, payload: dict[str, Any]
) -> dict[str, Any]:
    return {"platform": platform, "destination": destination, "action": action, "payload": payload}
