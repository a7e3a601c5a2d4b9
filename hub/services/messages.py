"""Room messages: room members read and send; `@room` notifies every member."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.auth.sessions import Viewer
from hub.db.models import ChatMessage, ChatRoom, RoomMember
from hub.errors import Forbidden, HubError, NotFound
from hub.events import HubEvent, MessageCreated, MessageDeleted, MessageUpdated, RoomId, room_stream
from hub.services.access import check_room_visible, room_access, visible_room
from hub.services.message_bulk import RoomMessageBulk
from hub.services.notifications import Target
from hub.services.posts import Candidate, Thread, members_named


class RoomMessages(Thread[ChatMessage, ChatRoom]):
    model = ChatMessage
    place_key = "room"
    noun = "message"
    mention_key = "message_id"
    room_mentions = True

    def __init__(self) -> None:
        self.bulk = RoomMessageBulk(self)

    async def readable(self, session: AsyncSession, viewer: Viewer, place_id: int) -> ChatRoom:
        return await visible_room(session, viewer, place_id)

    async def check_readable(self, session: AsyncSession, viewer: Viewer, place_id: int) -> None:
        await check_room_visible(session, viewer, place_id)

    async def writable(self, session: AsyncSession, viewer: Viewer, place_id: int) -> ChatRoom:
        access = await room_access(session, place_id, viewer.id)
        if access is None:
            raise NotFound("no such room")
        if refusal := self.refusal(viewer, access.member):
            raise refusal
        return access.room

    def refusal(self, viewer: Viewer, member: bool) -> HubError | None:
        """Why `viewer` may not post in an existing room, if they may not."""
        if member:
            return None
        if viewer.is_admin:  # admins see every room but post only where they belong
            return Forbidden("only room members may send here")
        return NotFound("no such room")

    async def get_place(self, session: AsyncSession, place_id: int) -> ChatRoom | None:
        return await session.get(ChatRoom, place_id)

    def place_id(self, post: ChatMessage) -> int:
        return post.room_id

    def set_place(self, post: ChatMessage, place: ChatRoom) -> None:
        post.room_id = place.id

    def stream(self, place_id: int) -> str:
        return room_stream(place_id)

    async def candidates(
        self, session: AsyncSession, place: ChatRoom, names: frozenset[str] | None
    ) -> list[Candidate]:
        return await members_named(session, RoomMember, RoomMember.room_id == place.id, names)

    async def followers(self, session: AsyncSession, place: ChatRoom) -> list[int]:
        return []

    def target(self, post: ChatMessage, place: ChatRoom) -> Target:
        return Target("message", post.id, board_id=place.board_id, room_id=place.id)

    def created(self, place_id: int, data: dict[str, Any]) -> HubEvent:
        return MessageCreated(RoomId(place_id), data)

    def updated(self, place_id: int, data: dict[str, Any]) -> HubEvent:
        return MessageUpdated(RoomId(place_id), data)

    def deleted(self, place_id: int, data: dict[str, Any]) -> HubEvent:
        return MessageDeleted(RoomId(place_id), data)


ROOM_MESSAGES = RoomMessages()


async def mark_read_up_to(session: AsyncSession, viewer: Viewer, room_id: int, seq: int) -> None:
    """Move the viewer's read marker in a room forward (never back)."""
    member = await session.scalar(
        select(RoomMember).where(RoomMember.room_id == room_id, RoomMember.user_id == viewer.id)
    )
    if member is None:
        raise NotFound("no such room")
    member.last_read_seq = max(member.last_read_seq, seq)
