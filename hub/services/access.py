"""Who may see and change a board and what is under it (DESIGN §4), decided here once.

Whoever may not see a thing gets NotFound, so ids do not leak what exists; whoever may see it
but not change it gets Forbidden. Admins pass every check.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, cast

from sqlalchemy import select
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


async def visible_room(session: AsyncSession, viewer: Viewer, room_id: int) -> ChatRoom:
    """The room if `viewer` is one of its members or an admin, else NotFound."""
    room = await session.get(ChatRoom, room_id)
    if room is None or not (viewer.is_admin or await is_room_member(session, room_id, viewer.id)):
        raise NotFound("no such room")
    return room


async def visible_task(session: AsyncSession, viewer: Viewer, task_id: int) -> Task:
    """The task if `viewer` is a member of its board or an admin, else NotFound."""
    task = await session.get(Task, task_id)
    if task is None or not (
        viewer.is_admin or await board_role(session, task.board_id, viewer.id) is not None
    ):
        raise NotFound("no such task")
    return task
