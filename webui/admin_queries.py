"""What the admin pages list: one page of a table at a time, newest first, with the cursor
of the next (older) page. Admins may read everything, so nothing here filters by viewer;
the pages check that the viewer is an admin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hub.db.models import (
    Board,
    BoardMember,
    BridgeLink,
    ChatMessage,
    ChatRoom,
    ExternalIdentity,
    Notification,
    OutboxItem,
    RoomMember,
    User,
)
from hub.db.types import iso
from hub.render import snippet
from hub.services.pagination import PageRequest, fetch_page

OUTBOX_STATES = ("pending", "done", "failed")
ADMIN_LIST_MAX = 200  # rows of an admin list shown whole (identities, parked deliveries)


@dataclass(frozen=True)
class Listing:
    """One page of a list, newest first; `older` is the `before` cursor of the next page."""

    items: list[dict[str, Any]]
    older: int | None


async def newest_first(
    session: AsyncSession,
    statement: Select[*tuple[Any, ...]],
    id_column: InstrumentedAttribute[int],
    page: PageRequest,
) -> tuple[Sequence[Any], int | None]:
    rows, older = await fetch_page(session, statement, id_column, page)
    return list(reversed(rows)), older


async def users(session: AsyncSession, page: PageRequest) -> Listing:
    rows, older = await newest_first(session, select(User), User.id, page)
    items = [
        {
            "id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "is_admin": user.is_admin,
            "is_active": user.is_active,
            "time_zone": user.time_zone,
            "created_at": iso(user.created_at),
        }
        for (user,) in rows
    ]
    return Listing(items, older)


async def boards(session: AsyncSession, page: PageRequest) -> Listing:
    rows, older = await newest_first(session, select(Board), Board.id, page)
    ids = [board.id for (board,) in rows]
    members = await _counts(session, BoardMember.board_id, ids)
    rooms = await _counts(session, ChatRoom.board_id, ids)
    items = [
        {
            "id": board.id,
            "name": board.name,
            "members": members.get(board.id, 0),
            "rooms": rooms.get(board.id, 0),
            "created_at": iso(board.created_at),
        }
        for (board,) in rows
    ]
    return Listing(items, older)


async def rooms(session: AsyncSession, page: PageRequest) -> Listing:
    statement = select(ChatRoom, Board.name).join(Board, Board.id == ChatRoom.board_id)
    rows, older = await newest_first(session, statement, ChatRoom.id, page)
    members = await _counts(session, RoomMember.room_id, [room.id for room, _ in rows])
    items = [
        {
            "id": room.id,
            "name": room.name,
            "board": {"id": room.board_id, "name": board_name},
            "members": members.get(room.id, 0),
            "created_at": iso(room.created_at),
        }
        for room, board_name in rows
    ]
    return Listing(items, older)


async def messages(session: AsyncSession, page: PageRequest) -> Listing:
    statement = select(ChatMessage, ChatRoom.name).join(
        ChatRoom, ChatRoom.id == ChatMessage.room_id
    )
    rows, older = await newest_first(session, statement, ChatMessage.id, page)
    items = [
        {
            "id": message.id,
            "room": {"id": message.room_id, "name": room_name},
            "author": message.author_name,
            "source": message.source,
            "snippet": snippet(message.body),
            "created_at": iso(message.created_at),
            "deleted": message.deleted_at is not None,
        }
        for message, room_name in rows
    ]
    return Listing(items, older)


async def notifications(session: AsyncSession, page: PageRequest) -> Listing:
    statement = select(Notification, User.username).join(User, User.id == Notification.user_id)
    rows, older = await newest_first(session, statement, Notification.id, page)
    items = [
        {
            "id": notification.id,
            "user": username,
            "kind": notification.kind,
            "actor": notification.actor_name,
            "snippet": notification.snippet,
            "created_at": iso(notification.created_at),
            "read": notification.read_at is not None,
        }
        for notification, username in rows
    ]
    return Listing(items, older)


async def board_members(session: AsyncSession, page: PageRequest) -> Listing:
    statement = (
        select(BoardMember, Board.name, User.username)
        .join(Board, Board.id == BoardMember.board_id)
        .join(User, User.id == BoardMember.user_id)
    )
    rows, older = await newest_first(session, statement, BoardMember.id, page)
    items = [
        {
            "id": member.id,
            "place": {"id": member.board_id, "name": board_name},
            "user": username,
            "role": member.role,
            "created_at": iso(member.created_at),
        }
        for member, board_name, username in rows
    ]
    return Listing(items, older)


async def room_members(session: AsyncSession, page: PageRequest) -> Listing:
    statement = (
        select(RoomMember, ChatRoom.name, User.username)
        .join(ChatRoom, ChatRoom.id == RoomMember.room_id)
        .join(User, User.id == RoomMember.user_id)
    )
    rows, older = await newest_first(session, statement, RoomMember.id, page)
    items = [
        {
            "id": member.id,
            "place": {"id": member.room_id, "name": room_name},
            "user": username,
            "last_read_seq": member.last_read_seq,
            "created_at": iso(member.created_at),
        }
        for member, room_name, username in rows
    ]
    return Listing(items, older)


async def links(session: AsyncSession, page: PageRequest) -> Listing:
    rows, older = await newest_first(session, select(BridgeLink), BridgeLink.id, page)
    items = [
        {
            "id": link.id,
            "platform": link.platform,
            "channel": link.channel,
            "target": f"room {link.room_id}" if link.room_id else f"board {link.board_id}",
            "mode": link.mode,
        }
        for (link,) in rows
    ]
    return Listing(items, older)


async def identities(session: AsyncSession) -> list[dict[str, Any]]:
    """Every linked platform identity, with its hub username (a team has a few dozen)."""
    rows = await session.execute(
        select(ExternalIdentity, User.username)
        .join(User, User.id == ExternalIdentity.user_id)
        .order_by(ExternalIdentity.id)
        .limit(ADMIN_LIST_MAX)
    )
    return [
        {"id": identity.id, "username": username, "platform": identity.platform,
         "external_id": identity.external_id}
        for identity, username in rows
    ]  # fmt: skip


async def parked_deliveries(session: AsyncSession) -> list[OutboxItem]:
    """The newest deliveries parked as failed, each with the platform's error."""
    rows = await session.scalars(
        select(OutboxItem)
        .where(OutboxItem.state == "failed")
        .order_by(OutboxItem.id.desc())
        .limit(ADMIN_LIST_MAX)
    )
    return list(rows)


async def outbox_counts(session: AsyncSession) -> dict[str, int]:
    """State → how many outbox rows are in it (every state listed, zero included)."""
    rows = await session.execute(select(OutboxItem.state, func.count()).group_by(OutboxItem.state))
    found = dict(rows.all())
    return {state: found.get(state, 0) for state in OUTBOX_STATES}


async def _counts(
    session: AsyncSession, column: InstrumentedAttribute[int], ids: list[int]
) -> dict[int, int]:
    """Id → rows whose `column` holds it, for the ids of one page (one grouped query)."""
    if not ids:
        return {}
    rows = await session.execute(
        select(column, func.count()).where(column.in_(ids)).group_by(column)
    )
    return dict(rows.all())
