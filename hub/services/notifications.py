"""Notifications: created with the change that causes them, pushed on the person's own stream."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hub.actors import Actor
from hub.db.models import Notification, User
from hub.db.types import iso, utcnow
from hub.errors import NotFound
from hub.events import NotificationCreated, NotificationsRead, UserId
from hub.services.authors import Author, author_json
from hub.services.notification_places import Place, places
from hub.services.pagination import PageRequest, fetch_page
from hub.services.unit_of_work import UnitOfWork

SNIPPET_MAX = 280


@dataclass(frozen=True)
class Target:
    """What a notification points at, with the ids needed to build its link."""

    type: str
    id: int
    board_id: int | None = None
    room_id: int | None = None
    task_id: int | None = None


def target_json(notification: Notification) -> dict[str, Any]:
    kind, target_id = notification.target_type, notification.target_id
    if kind == "message":
        room = notification.room_id
        return {
            "type": kind,
            "id": target_id,
            "room": room,
            "url": f"/messaging/room/{room}/#message-{target_id}",
        }
    if kind == "comment":
        task = notification.task_id
        return {
            "type": kind,
            "id": target_id,
            "task": task,
            "url": f"/messaging/task/{task}/comments/#comment-{target_id}",
        }
    if kind == "room":
        return {
            "type": kind,
            "id": target_id,
            "room": target_id,
            "url": f"/messaging/room/{target_id}/",
        }
    return {"type": kind, "id": target_id, "board": target_id, "url": f"/boards/{target_id}/"}


def notification_json(
    notification: Notification, actor: dict[str, Any] | None, place: Place
) -> dict[str, Any]:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "actor": actor,
        "target": target_json(notification),
        "place": place,
        "snippet": notification.snippet,
        "created_at": iso(notification.created_at),
        "read_at": iso(notification.read_at) if notification.read_at else None,
    }


async def notify(
    unit: UnitOfWork,
    user_ids: Sequence[int],
    *,
    kind: str,
    actor: Author | None,
    target: Target,
    snippet: str,
) -> None:
    """Store one notification per person and push each on that person's stream."""
    if not user_ids:
        return
    rows = [
        Notification(
            user_id=user_id,
            kind=kind,
            actor_id=actor.user_id if actor else None,
            actor_name=actor.display_name if actor else "",
            target_type=target.type,
            target_id=target.id,
            board_id=target.board_id,
            room_id=target.room_id,
            task_id=target.task_id,
            snippet=snippet[:SNIPPET_MAX],
            created_at=utcnow(),
        )
        for user_id in user_ids
    ]
    unit.session.add_all(rows)
    await unit.session.flush()
    actor_data = author_json(actor.user_id, actor.username, actor.display_name) if actor else None
    place = (await places(unit.session, rows[:1]))[rows[0].id]  # every row has the same target
    for row in rows:
        await unit.record(
            NotificationCreated(UserId(row.user_id), notification_json(row, actor_data, place))
        )


async def list_notifications(
    session: AsyncSession, reader: Actor, page: PageRequest, *, unread_only: bool
) -> tuple[list[dict[str, Any]], int | None]:
    actor = aliased(User)
    statement = (
        select(Notification, actor)
        .outerjoin(actor, actor.id == Notification.actor_id)
        .where(Notification.user_id == reader.id)
    )
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    rows, next_cursor = await fetch_page(session, statement, Notification.id, page)
    where = await places(session, (row for row, _ in rows))
    items = [
        notification_json(
            row,
            author_json(user.id, user.username, user.display_name) if user else None,
            where[row.id],
        )
        for row, user in rows
    ]
    return items, next_cursor


async def unread_count(session: AsyncSession, reader: Actor) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == reader.id, Notification.read_at.is_(None))
    )
    return int(count or 0)


async def mark_read(unit: UnitOfWork, reader: Actor, notification_id: int) -> dict[str, Any]:
    row = await unit.session.get(Notification, notification_id)
    if row is None or row.user_id != reader.id:
        raise NotFound("no such notification")
    if row.read_at is None:
        row.read_at = utcnow()
        await unit.session.flush()
        await _record_read(unit, reader, [row.id])
    actor = await unit.session.get(User, row.actor_id) if row.actor_id else None
    return notification_json(
        row,
        author_json(actor.id, actor.username, actor.display_name) if actor else None,
        (await places(unit.session, [row]))[row.id],
    )


async def mark_all_read(unit: UnitOfWork, reader: Actor) -> int:
    return len(await mark_read_where(unit, reader))


async def mark_read_where(
    unit: UnitOfWork, reader: Actor, *conditions: ColumnElement[bool]
) -> list[int]:
    """Mark the reader's unread notifications that meet `conditions` read; their ids."""
    ids = list(
        await unit.session.scalars(
            select(Notification.id).where(
                Notification.user_id == reader.id, Notification.read_at.is_(None), *conditions
            )
        )
    )
    if ids:
        await unit.session.execute(
            update(Notification).where(Notification.id.in_(ids)).values(read_at=utcnow())
        )
        await _record_read(unit, reader, ids)
    return ids


async def _record_read(unit: UnitOfWork, reader: Actor, ids: list[int]) -> None:
    """The `notification.read` event: the ids, the unread count left, and for each task they
    were about, the unread mentions of the reader left there (a board's card badges)."""
    session = unit.session
    unread = await unread_count(session, reader)
    task_ids = {
        task_id
        for task_id in await session.scalars(
            select(Notification.task_id).where(Notification.id.in_(ids))
        )
        if task_id is not None
    }
    left: dict[int | None, int] = {}
    if task_ids:
        counted = await session.execute(
            select(Notification.task_id, func.count())
            .where(
                Notification.user_id == reader.id,
                Notification.read_at.is_(None),
                Notification.kind == "mention",
                Notification.task_id.in_(task_ids),
            )
            .group_by(Notification.task_id)
        )
        left = dict(counted.all())
    tasks = [{"task": task, "mentions": left.get(task, 0)} for task in sorted(task_ids)]
    await unit.record(
        NotificationsRead(UserId(reader.id), {"ids": ids, "unread": unread, "tasks": tasks})
    )
