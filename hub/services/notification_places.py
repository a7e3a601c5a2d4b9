"""Where a notification is about, by name: its room or task and their board ("place" in the
notification JSON), so that a list can say "#launch · Website" without a query per item."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Board, ChatRoom, Notification, Task

Place = dict[str, Any]


_ROOMS = (ChatRoom.id, ChatRoom.board_id, ChatRoom.name)
_TASKS = (Task.id, Task.board_id, Task.title)


async def places(session: AsyncSession, rows: Iterable[Notification]) -> dict[int, Place]:
    """Notification id → `{"board": name, "room": name}`, `{"board", "task"}` or `{"board"}`
    (a key left out when what it names is gone): one query per kind of place, not per row."""
    rows = list(rows)
    rooms = await _in_boards(session, _ROOMS, {row.room_id for row in rows if row.room_id})
    tasks = await _in_boards(session, _TASKS, {row.task_id for row in rows if row.task_id})
    board_ids = {row.board_id for row in rows if row.board_id}
    board_ids |= {board for board, _ in (*rooms.values(), *tasks.values())}
    boards: dict[int, str] = {}
    if board_ids:
        found_boards = await session.execute(
            select(Board.id, Board.name).where(Board.id.in_(board_ids))
        )
        boards = dict(found_boards.all())
    found: dict[int, Place] = {}
    for row in rows:
        place: Place = {}
        board_id = row.board_id
        if row.room_id in rooms:
            board_id, place["room"] = rooms[row.room_id]
        elif row.task_id in tasks:
            board_id, place["task"] = tasks[row.task_id]
        if board_id in boards:
            place["board"] = boards[board_id]
        found[row.id] = place
    return found


async def _in_boards(
    session: AsyncSession, columns: tuple[Any, Any, Any], ids: set[int]
) -> dict[int, tuple[int, str]]:
    """Id → (its board's id, its name) for the rooms or tasks given (`columns`: the id, the
    board id and the name of the table)."""
    if not ids:
        return {}
    rows = await session.execute(select(*columns).where(columns[0].in_(ids)))
    return {key: (board, name) for key, board, name in rows}
