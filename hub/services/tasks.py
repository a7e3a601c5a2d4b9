"""Tasks on a board: create, list, look up, change title, status, assignees and description.
Board members (and admins) may do all of it; every change is an event on the board stream."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Actor
from hub.db.models import Board, Task, TaskAssignee, User
from hub.db.types import iso, utcnow
from hub.errors import Invalid
from hub.events import BoardId, TaskCreated, TaskUpdated
from hub.services.access import visible_board, visible_task
from hub.services.boards import board_members_named
from hub.services.pagination import PageRequest, fetch_page
from hub.services.unit_of_work import UnitOfWork


def task_json(task: Task, assignees: list[str]) -> dict[str, Any]:
    return {
        "id": task.id,
        "board": task.board_id,
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "assignees": assignees,
        "created_at": iso(task.created_at),
        "updated_at": iso(task.updated_at),
    }


async def _assignee_names(session: AsyncSession, task_ids: Sequence[int]) -> dict[int, list[str]]:
    """Task id → its assignees' usernames, alphabetically."""
    names: dict[int, list[str]] = {task_id: [] for task_id in task_ids}
    rows = await session.execute(
        select(TaskAssignee.task_id, User.username)
        .join(User, User.id == TaskAssignee.user_id)
        .where(TaskAssignee.task_id.in_(task_ids))
        .order_by(User.username_key)
    )
    for task_id, username in rows:
        names[task_id].append(username)
    return names


async def _json_of(session: AsyncSession, task: Task) -> dict[str, Any]:
    return task_json(task, (await _assignee_names(session, [task.id]))[task.id])


def _checked_status(board: Board, status: str) -> str:
    if status not in board.columns:
        raise Invalid(
            f"status: must be one of the board's columns: {', '.join(board.columns)}",
            field="status",
        )
    return status


async def _assign(
    session: AsyncSession, task: Task, board_id: int, usernames: Sequence[str]
) -> None:
    """Make the board members named the task's only assignees."""
    users = await board_members_named(session, board_id, usernames, field="assignees")
    wanted = {user.id for user in users}
    current = set(
        await session.scalars(select(TaskAssignee.user_id).where(TaskAssignee.task_id == task.id))
    )
    if current - wanted:
        await session.execute(
            delete(TaskAssignee).where(
                TaskAssignee.task_id == task.id, TaskAssignee.user_id.in_(current - wanted)
            )
        )
    session.add_all(TaskAssignee(task_id=task.id, user_id=user_id) for user_id in wanted - current)
    await session.flush()


async def list_tasks(
    session: AsyncSession, actor: Actor, board_id: int, page: PageRequest
) -> tuple[list[dict[str, Any]], int | None]:
    await visible_board(session, actor, board_id)
    statement = select(Task).where(Task.board_id == board_id)
    rows, next_cursor = await fetch_page(session, statement, Task.id, page)
    tasks = [task for (task,) in rows]
    names = await _assignee_names(session, [task.id for task in tasks])
    return [task_json(task, names[task.id]) for task in tasks], next_cursor


async def get_task(session: AsyncSession, actor: Actor, task_id: int) -> dict[str, Any]:
    return await _json_of(session, await visible_task(session, actor, task_id))


async def create_task(
    unit: UnitOfWork,
    actor: Actor,
    board_id: int,
    *,
    title: str,
    status: str | None = None,
    assignees: Sequence[str] = (),
    description: str = "",
) -> dict[str, Any]:
    """A new task, in the board's first column unless `status` names another."""
    session = unit.session
    board = (await visible_board(session, actor, board_id)).board
    now = utcnow()
    task = Task(
        board_id=board.id,
        title=title,
        description=description,
        status=board.columns[0] if status is None else _checked_status(board, status),
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    await session.flush()
    await _assign(session, task, board.id, assignees)
    data = await _json_of(session, task)
    await unit.record(TaskCreated(BoardId(board.id), data))
    return data


async def update_task(
    unit: UnitOfWork,
    actor: Actor,
    task_id: int,
    *,
    title: str | None = None,
    status: str | None = None,
    assignees: Sequence[str] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """Change the fields given; an event (and a new `updated_at`) only when something changed."""
    session = unit.session
    task = await visible_task(session, actor, task_id)
    before = await _json_of(session, task)
    if title is not None:
        task.title = title
    if description is not None:
        task.description = description
    if status is not None:
        board = await session.get_one(Board, task.board_id)
        task.status = _checked_status(board, status)
    if assignees is not None:
        await _assign(session, task, task.board_id, assignees)
    data = await _json_of(session, task)
    if data == before:
        return data
    task.updated_at = utcnow()
    await session.flush()
    data = task_json(task, data["assignees"])
    await unit.record(TaskUpdated(BoardId(task.board_id), data))
    return data
