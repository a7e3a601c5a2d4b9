"""Chat rooms of a board and their members. Board members create rooms (and join the rooms
they create; `RoomIn` is the command the API and the dashboard validate); only room members
see a room; any of them (and admins) may add other board members to it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import Field, StringConstraints
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Actor
from hub.db.models import ROOM_NAME_MAX, ChatRoom, RoomMember, User
from hub.db.types import iso, utcnow
from hub.errors import Conflict
from hub.events import BoardId, RoomCreated, RoomMemberAdded
from hub.services.access import is_room_member, visible_board, visible_room
from hub.services.authors import Author
from hub.services.boards import (
    Description,
    board_members_named,
    flush_or_conflict,
    name_starts_with,
)
from hub.services.commands import NOT_BLANK, Request, UsernameRef
from hub.services.notifications import Target, notify
from hub.services.pagination import PageRequest, fetch_page
from hub.services.unit_of_work import UnitOfWork


def room_json(room: ChatRoom) -> dict[str, Any]:
    return {
        "id": room.id,
        "board": room.board_id,
        "name": room.name,
        "description": room.description,
        "created_at": iso(room.created_at),
    }


def room_member_json(user: User) -> dict[str, Any]:
    return {"username": user.username, "display_name": user.display_name}


async def list_rooms(
    session: AsyncSession, actor: Actor, board_id: int, page: PageRequest
) -> tuple[list[dict[str, Any]], int | None]:
    """The board's rooms `actor` is a member of; all of them for an admin."""
    await visible_board(session, actor, board_id)
    statement = select(ChatRoom).where(ChatRoom.board_id == board_id)
    if not actor.is_admin:
        statement = statement.join(
            RoomMember, and_(RoomMember.room_id == ChatRoom.id, RoomMember.user_id == actor.id)
        )
    rows, next_cursor = await fetch_page(session, statement, ChatRoom.id, page)
    return [room_json(room) for (room,) in rows], next_cursor


async def get_room(session: AsyncSession, actor: Actor, room_id: int) -> dict[str, Any]:
    return room_json(await visible_room(session, actor, room_id))


INITIAL_MEMBERS_MAX = 10_000  # a room of a whole organisation; the request size bounds it too
RoomName = Annotated[str, StringConstraints(min_length=1, max_length=ROOM_NAME_MAX), NOT_BLANK]


# POST /api/v1/boards/{id}/rooms and the dashboard's new-room form both validate with this.
class RoomIn(Request):
    name: RoomName
    description: Description = ""
    members: Annotated[list[UsernameRef], Field(max_length=INITIAL_MEMBERS_MAX)] = []


async def create_room(
    unit: UnitOfWork,
    actor: Actor,
    board_id: int,
    *,
    name: str,
    description: str = "",
    members: Sequence[str] = (),
) -> dict[str, Any]:
    """A new room with its creator and `members` (board members) in it."""
    session = unit.session
    board = (await visible_board(session, actor, board_id)).board
    taken = Conflict(f"this board already has a room named {name!r}", field="name")
    if await session.scalar(
        select(ChatRoom.id).where(ChatRoom.board_id == board.id, ChatRoom.name_key == name.lower())
    ):
        raise taken
    users = await board_members_named(session, board.id, members, field="members")
    room = ChatRoom(
        board_id=board.id,
        name=name,
        name_key=name.lower(),
        description=description,
        created_by=actor.id,
        created_at=utcnow(),
    )
    session.add(room)
    await flush_or_conflict(session, taken)
    session.add(RoomMember(room_id=room.id, user_id=actor.id))
    await session.flush()
    data = room_json(room)
    await unit.record(RoomCreated(BoardId(board.id), data))
    for user in users:
        if user.id != actor.id:
            await enrol_room_member(unit, room, user, actor)
    return data


async def list_room_members(
    session: AsyncSession, actor: Actor, room_id: int, prefix: str, page: PageRequest
) -> tuple[list[dict[str, Any]], int | None]:
    await visible_room(session, actor, room_id)
    statement = (
        select(RoomMember, User)
        .join(User, User.id == RoomMember.user_id)
        .where(RoomMember.room_id == room_id)
    )
    if prefix:
        statement = statement.where(name_starts_with(prefix))
    rows, next_cursor = await fetch_page(session, statement, RoomMember.id, page)
    return [room_member_json(user) for _member, user in rows], next_cursor


async def add_room_member(
    unit: UnitOfWork, actor: Actor, room_id: int, username: str
) -> dict[str, Any]:
    """Put a board member into a room: anyone who can see the room (its members, admins)."""
    session = unit.session
    room = await visible_room(session, actor, room_id)
    (user,) = await board_members_named(session, room.board_id, [username], field="username")
    if await is_room_member(session, room.id, user.id):
        raise Conflict(f"{user.username} is already in this room", field="username")
    return await enrol_room_member(unit, room, user, actor)


async def enrol_room_member(
    unit: UnitOfWork, room: ChatRoom, user: User, added_by: Actor
) -> dict[str, Any]:
    """Every way into a room but creating it comes here, so this is where being added is
    announced (a room's initial members included, its creator not)."""
    session = unit.session
    session.add(RoomMember(room_id=room.id, user_id=user.id))
    await flush_or_conflict(
        session, Conflict(f"{user.username} is already in this room", field="username")
    )
    member = room_member_json(user)
    await unit.record(RoomMemberAdded(BoardId(room.board_id), {**member, "room": room.id}))
    await notify(
        unit,
        [user.id],
        kind="added_to_room",
        actor=Author.of(added_by),
        target=Target("room", room.id, board_id=room.board_id, room_id=room.id),
        snippet=room.name,
    )
    return member
