"""Who may see and change a board and what is under it (DESIGN §4), decided here once.

Whoever may not see a thing gets NotFound, so ids do not leak what exists; whoever may see it
but not change it gets Forbidden. Admins pass every check.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, cast

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.auth.sessions import Viewer
from hub.db.models import Board, BoardMember, ChatRoom, RoomMember, Task
from hub.errors import Forbidden, NotFound

Role = Literal["owner", "member"]


class BoardView(NamedTuple):
    """A board as one viewer sees it: `role` is None for an admin who is not a member."""

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


async def visible_board(session: AsyncSession, viewer: Viewer, board_id: int) -> BoardView:
    """The board if `viewer` is a member or an admin, else NotFound."""
    board = await session.get(Board, board_id)
    role = await board_role(session, board_id, viewer.id) if board is not None else None
    if board is None or (role is None and not viewer.is_admin):
        raise NotFound("no such board")
    return BoardView(board, role)


async def require_board_owner(session: AsyncSession, viewer: Viewer, board_id: int) -> BoardView:
    """The board if `viewer` owns it or is an admin; Forbidden for a plain member."""
    view = await visible_board(session, viewer, board_id)
    if view.role != "owner" and not viewer.is_admin:
        raise Forbidden("only the board's owners may do this")
    return view


class RoomAccess(NamedTuple):
    room: ChatRoom
    member: bool


class TaskAccess(NamedTuple):
    task: Task
    role: Role | None  # on the task's board


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


async def room_access(session: AsyncSession, room_id: int, user_id: int) -> RoomAccess | None:
    """The room and whether the user is one of its members, in one query (None: no room)."""
    found = (await session.execute(_ROOM_ACCESS, {"room": room_id, "user": user_id})).first()
    return None if found is None else RoomAccess(found[0], found[1] is not None)


async def task_access(session: AsyncSession, task_id: int, user_id: int) -> TaskAccess | None:
    """The task and the user's role on its board, in one query (None: no such task)."""
    found = (await session.execute(_TASK_ACCESS, {"task": task_id, "user": user_id})).first()
    return None if found is None else TaskAccess(found[0], cast(Role | None, found[1]))


async def visible_room(session: AsyncSession, viewer: Viewer, room_id: int) -> ChatRoom:
    """The room if `viewer` is one of its members or an admin, else NotFound."""
    access = await room_access(session, room_id, viewer.id)
    if access is None or not (viewer.is_admin or access.member):
        raise NotFound("no such room")
    return access.room


_ROOM_MEMBERSHIP = _ROOM_ACCESS.with_only_columns(ChatRoom.id, RoomMember.id)


async def check_room_visible(session: AsyncSession, viewer: Viewer, room_id: int) -> None:
    """`visible_room`'s check without loading the room (each history page makes it)."""
    found = (await session.execute(_ROOM_MEMBERSHIP, {"room": room_id, "user": viewer.id})).first()
    if found is None or not (viewer.is_admin or found[1] is not None):
        raise NotFound("no such room")


async def visible_task(session: AsyncSession, viewer: Viewer, task_id: int) -> Task:
    """The task if `viewer` is a member of its board or an admin, else NotFound."""
    access = await task_access(session, task_id, viewer.id)
    if access is None or not (viewer.is_admin or access.role is not None):
        raise NotFound("no such task")
    return access.task
