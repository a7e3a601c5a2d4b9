"""Who may see and change a board and what is under it (DESIGN §4), decided here once.

Whoever may not see a thing gets NotFound, so ids do not leak what exists; whoever may see it
but not change it gets Forbidden. Admins pass every check.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, cast

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Actor
from hub.db.models import Board, BoardMember, ChatRoom, RoomMember, Task
from hub.errors import Forbidden, NotFound

Role = Literal["owner", "member"]


class BoardView(NamedTuple):
    """A board as one actor sees it: `role` is None for an admin who is not a member."""

    board: Board
    role: Role | None


async def board_role(session: AsyncSession, board_id: int, user_id: int) -> Role | None:
    role = await session.scalar(
        select(BoardMember.role).where(
            BoardMember.board_id == board_id, BoardMember.user_id == user_id
        )
    )
    return cast(Role | None, role)


async def is_room_member(session: AsyncSession, room_id: int, user_id: int) -> bool:
    found = await session.scalar(
        select(RoomMember.id).where(RoomMember.room_id == room_id, RoomMember.user_id == user_id)
    )
    return found is not None


async def visible_board(session: AsyncSession, actor: Actor, board_id: int) -> BoardView:
    """The board if `actor` is a member or an admin, else NotFound."""
    board = await session.get(Board, board_id)
    role = await board_role(session, board_id, actor.id) if board is not None else None
    if board is None or (role is None and not actor.is_admin):
        raise NotFound("no such board")
    return BoardView(board, role)


async def require_board_owner(session: AsyncSession, actor: Actor, board_id: int) -> BoardView:
    """The board if `actor` owns it or is an admin; Forbidden for a plain member."""
    view = await visible_board(session, actor, board_id)
    if view.role != "owner" and not actor.is_admin:
        raise Forbidden("only the board's owners may do this")
    return view


class Standing(NamedTuple):
    """A room or a task as access rules need it: its id, its board, and whether the user
    belongs there (a member of the room; a member of the task's board)."""

    id: int
    board_id: int
    member: bool


# Built once (building a statement costs more than running it): every message, comment and
# history page checks access with one of these.
_ROOM_ACCESS = (
    select(ChatRoom, RoomMember.id)
    .outerjoin(
        RoomMember,
        and_(RoomMember.room_id == ChatRoom.id, RoomMember.user_id == bindparam("user")),
    )
    .where(ChatRoom.id == bindparam("room"))
)
_TASK_ACCESS = (
    select(Task, BoardMember.role)
    .outerjoin(
        BoardMember,
        and_(BoardMember.board_id == Task.board_id, BoardMember.user_id == bindparam("user")),
    )
    .where(Task.id == bindparam("task"))
)
# The same without loading the room or task (posting and history pages need no more).
_ROOM_STANDING = _ROOM_ACCESS.with_only_columns(ChatRoom.id, ChatRoom.board_id, RoomMember.id)
_TASK_STANDING = _TASK_ACCESS.with_only_columns(Task.id, Task.board_id, BoardMember.role)
_NOBODY = 0  # no user has this id: a place's standing for no one in particular (a bridge)


async def room_standing(
    session: AsyncSession, room_id: int, user_id: int | None
) -> Standing | None:
    """The room and whether the user is one of its members, in one query (None: no room)."""
    values = {"room": room_id, "user": user_id or _NOBODY}
    found = (await session.execute(_ROOM_STANDING, values)).first()
    return None if found is None else Standing(found[0], found[1], found[2] is not None)


async def task_standing(
    session: AsyncSession, task_id: int, user_id: int | None
) -> Standing | None:
    """The task and whether the user is a member of its board, in one query (None: no task)."""
    values = {"task": task_id, "user": user_id or _NOBODY}
    found = (await session.execute(_TASK_STANDING, values)).first()
    return None if found is None else Standing(found[0], found[1], found[2] is not None)


async def visible_room(session: AsyncSession, actor: Actor, room_id: int) -> ChatRoom:
    """The room if `actor` is one of its members or an admin, else NotFound."""
    found = (await session.execute(_ROOM_ACCESS, {"room": room_id, "user": actor.id})).first()
    if found is None or not (actor.is_admin or found[1] is not None):
        raise NotFound("no such room")
    room: ChatRoom = found[0]
    return room


async def visible_task(session: AsyncSession, actor: Actor, task_id: int) -> Task:
    """The task if `actor` is a member of its board or an admin, else NotFound."""
    found = (await session.execute(_TASK_ACCESS, {"task": task_id, "user": actor.id})).first()
    if found is None or not (actor.is_admin or found[1] is not None):
        raise NotFound("no such task")
    task: Task = found[0]
    return task
