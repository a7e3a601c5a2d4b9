"""Room messages: room members read and send; `@room` notifies every member."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Actor
from hub.db.models import ChatMessage, RoomMember
from hub.errors import NotFound
from hub.events import MessageCreated, MessageDeleted, MessageUpdated, RoomId, room_stream
from hub.services.access import Standing, room_standing
from hub.services.message_bulk import RoomMessageBulk
from hub.services.threads import Candidate, Thread, members_named


class RoomPlaces:
    """Rooms: their members belong there."""

    async def standing(
        self, session: AsyncSession, place_id: int, user_id: int | None
    ) -> Standing | None:
        return await room_standing(session, place_id, user_id)

    async def candidates(
        self, session: AsyncSession, place: Standing, names: frozenset[str] | None
    ) -> list[Candidate]:
        return await members_named(session, RoomMember, RoomMember.room_id == place.id, names)

    async def followers(self, session: AsyncSession, place: Standing) -> list[int]:
        return []


ROOM_MESSAGES: Thread[ChatMessage] = Thread(
    model=ChatMessage,
    place_key="room",
    noun="message",
    mention_key="message_id",
    stream=room_stream,
    created=lambda room, data: MessageCreated(RoomId(room), data),
    updated=lambda room, data: MessageUpdated(RoomId(room), data),
    deleted=lambda room, data: MessageDeleted(RoomId(room), data),
    places=RoomPlaces(),
    outsider_refusal="only room members may send here",
    room_mentions=True,
    bulk=RoomMessageBulk(),
)


async def mark_read_up_to(session: AsyncSession, actor: Actor, room_id: int, seq: int) -> None:
    """Move the actor's read marker in a room forward (never back)."""
    member = await session.scalar(
        select(RoomMember).where(RoomMember.room_id == room_id, RoomMember.user_id == actor.id)
    )
    if member is None:
        raise NotFound("no such room")
    member.last_read_seq = max(member.last_read_seq, seq)
