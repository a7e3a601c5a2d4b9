"""Taking people off boards and rooms. The removal is committed with its events (on the board's
stream, for everyone's member lists, and on the person's own stream, so their open pages drop
the place); then the person's open sockets are taken off every stream they lost, in every
process (hub.revocation). Being added is in hub.services.boards and hub.services.rooms."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Actor
from hub.db.models import BoardMember, ChatRoom, RoomMember, Task, User
from hub.errors import Conflict, Forbidden, NotFound
from hub.events import (
    BoardId,
    BoardMemberRemoved,
    RemovedFromBoard,
    RemovedFromRoom,
    RoomMemberRemoved,
    UserId,
    board_stream,
    room_stream,
    task_stream,
)
from hub.revocation import revoke_streams
from hub.services.access import board_role, require_board_owner, visible_room
from hub.services.commands import USERNAME_PATTERN
from hub.services.unit_of_work import UnitOfWork
from hub.services.users import user_by_name
from hub.services.writer import Writer


class Removed(NamedTuple):
    """Who was removed and the streams they may no longer read."""

    user_id: int
    streams: list[str]


async def remove_board_member(writer: Writer, actor: Actor, board_id: int, username: str) -> None:
    """Take a person off a board and out of all its rooms (board owners and admins); the
    board's last owner stays."""
    removed = await writer.run(lambda unit: _board_removal(unit, actor, board_id, username))
    await revoke_streams(writer.broker, removed.user_id, removed.streams)


async def remove_room_member(writer: Writer, actor: Actor, room_id: int, username: str) -> None:
    """Take a person out of a room: board owners and admins, or the person themselves."""
    removed = await writer.run(lambda unit: _room_removal(unit, actor, room_id, username))
    await revoke_streams(writer.broker, removed.user_id, removed.streams)


def _not_member(username: str, where: str) -> NotFound:
    shown = username if USERNAME_PATTERN.fullmatch(username) else "that user"
    return NotFound(f"{shown} is not a member of this {where}", field="username")


async def _named(session: AsyncSession, username: str) -> User | None:
    """The user of a username taken from a path (anything at all), or None."""
    return await user_by_name(session, username) if USERNAME_PATTERN.fullmatch(username) else None


async def _board_removal(unit: UnitOfWork, actor: Actor, board_id: int, username: str) -> Removed:
    session = unit.session
    await require_board_owner(session, actor, board_id)
    user = await _named(session, username)
    role = None if user is None else await board_role(session, board_id, user.id)
    if user is None or role is None:
        raise _not_member(username, "board")
    if role == "owner":
        owners = await session.scalar(
            select(func.count()).where(
                BoardMember.board_id == board_id, BoardMember.role == "owner"
            )
        )
        if owners == 1:
            raise Conflict("a board keeps at least one owner", field="username")
    room_ids = list(
        await session.scalars(
            select(ChatRoom.id)
            .join(RoomMember, RoomMember.room_id == ChatRoom.id)
            .where(ChatRoom.board_id == board_id, RoomMember.user_id == user.id)
            .order_by(ChatRoom.id)
        )
    )
    for room_id in room_ids:
        await _leave_room(unit, user, board_id, room_id)
    await session.execute(
        delete(BoardMember).where(BoardMember.board_id == board_id, BoardMember.user_id == user.id)
    )
    member = {"username": user.username, "display_name": user.display_name, "board": board_id}
    await unit.record(BoardMemberRemoved(BoardId(board_id), member))
    await unit.record(RemovedFromBoard(UserId(user.id), {"board": board_id}))
    if user.is_admin:  # an admin still reads everything
        return Removed(user.id, [])
    task_ids = await session.scalars(select(Task.id).where(Task.board_id == board_id))
    streams = [board_stream(board_id), *map(room_stream, room_ids), *map(task_stream, task_ids)]
    return Removed(user.id, streams)


async def _room_removal(unit: UnitOfWork, actor: Actor, room_id: int, username: str) -> Removed:
    session = unit.session
    room = await visible_room(session, actor, room_id)
    user = await _named(session, username)
    if user is None or not await session.scalar(
        select(RoomMember.id).where(RoomMember.room_id == room.id, RoomMember.user_id == user.id)
    ):
        raise _not_member(username, "room")
    if not (
        user.id == actor.id
        or actor.is_admin
        or await board_role(session, room.board_id, actor.id) == "owner"
    ):
        raise Forbidden("only the board's owners may take others out of a room")
    await _leave_room(unit, user, room.board_id, room.id)
    return Removed(user.id, [] if user.is_admin else [room_stream(room.id)])


async def _leave_room(unit: UnitOfWork, user: User, board_id: int, room_id: int) -> None:
    await unit.session.execute(
        delete(RoomMember).where(RoomMember.room_id == room_id, RoomMember.user_id == user.id)
    )
    member = {"username": user.username, "display_name": user.display_name, "room": room_id}
    await unit.record(RoomMemberRemoved(BoardId(board_id), member))
    await unit.record(RemovedFromRoom(UserId(user.id), {"room": room_id, "board": board_id}))
