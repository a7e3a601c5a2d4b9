"""Room messages: room members read and send; `@room` notifies every member."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Actor
from hub.db.event_log import last_seq
from hub.db.models import ChatMessage, RoomMember
from hub.errors import Invalid, NotFound
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


async def mark_read_up_to(session: AsyncSession, actor: Actor, room_id: int, seq: int) -> bool:
    """Move the actor's read marker in a room forward (never back); True when it moved.

    A seq beyond the room's last event is refused, not clamped: a client only learns a seq
    from an event, and every event is stored before it is sent, so a larger one is a client's
    bug, which an error shows and clamping would hide (and a marker ahead of the room would
    mark its next messages read before they were written)."""
    member = await session.scalar(
        select(RoomMember).where(RoomMember.room_id == room_id, RoomMember.user_id == actor.id)
    )
    if member is None:
        raise NotFound("no such room")
    if seq > await last_seq(session, room_stream(room_id)):
        raise Invalid("seq: beyond the room's last event", field="seq")
    if seq <= member.last_read_seq:
        return False
    member.last_read_seq = seq
    return True
