"""The numbers on a board's task cards and room links: one grouped query each for the whole
board (never one query per card, nor a list of ids as long as the board)."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.auth.sessions import Viewer
from hub.db.models import ChatMessage, ChatRoom, Notification, RoomMember, Task, TaskComment


async def comment_counts(session: AsyncSession, board_id: int) -> dict[int, int]:
    """Task id → how many comments it has (deleted ones not counted)."""
    rows = await session.execute(
        select(TaskComment.task_id, func.count())
        .join(Task, Task.id == TaskComment.task_id)
        .where(Task.board_id == board_id, TaskComment.deleted_at.is_(None))
        .group_by(TaskComment.task_id)
    )
    return dict(rows.all())


async def unread_mentions(session: AsyncSession, viewer: Viewer, board_id: int) -> dict[int, int]:
    """Task id → the viewer's unread mention notifications about it or its comments."""
    rows = await session.execute(
        select(Notification.task_id, func.count())
        .where(
            Notification.user_id == viewer.id,
            Notification.read_at.is_(None),
            Notification.kind == "mention",
            Notification.board_id == board_id,
            Notification.task_id.is_not(None),
        )
        .group_by(Notification.task_id)
    )
    return {task_id: count for task_id, count in rows.all() if task_id is not None}


async def unread_messages(session: AsyncSession, viewer: Viewer, board_id: int) -> dict[int, int]:
    """Room id → messages after the viewer's read marker there, other people's and not
    deleted (no entry for rooms the viewer is not in, such as an admin's view of others')."""
    rows = await session.execute(
        select(RoomMember.room_id, func.count(ChatMessage.id))
        .join(ChatRoom, ChatRoom.id == RoomMember.room_id)
        .join(
            ChatMessage,
            and_(
                ChatMessage.room_id == RoomMember.room_id,
                ChatMessage.seq > RoomMember.last_read_seq,
            ),
        )
        .where(
            RoomMember.user_id == viewer.id,
            ChatRoom.board_id == board_id,
            ChatMessage.deleted_at.is_(None),
            or_(ChatMessage.author_id.is_(None), ChatMessage.author_id != viewer.id),
        )
        .group_by(RoomMember.room_id)
    )
    return dict(rows.all())
