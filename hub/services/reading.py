"""Reading clears what it reaches: a reader's read position in a room or a task's comments that
passes a post that notified them (a mention, @room, a comment on their task) marks those
notifications read, in the same unit of work as the position.

Rooms keep the position (RoomMember.last_read_seq) and announce it on the reader's own stream
(`room.read`, with what is left unread there), so every page showing the room's count follows.
Tasks keep none: their read frame only clears the notifications up to the seq it names, which
is all that reading a task's comments changes.
"""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Actor
from hub.db.event_log import last_seq
from hub.db.models import ChatMessage, Notification, RoomMember, TaskComment
from hub.errors import Invalid
from hub.events import RoomRead, UserId, task_stream
from hub.services.access import visible_task
from hub.services.messages import mark_read_up_to
from hub.services.notifications import mark_read_where
from hub.services.unit_of_work import UnitOfWork


async def read_room_up_to(unit: UnitOfWork, reader: Actor, room_id: int, seq: int) -> None:
    """Move the reader's marker in the room to `seq` and clear what notified them up to it."""
    if await mark_read_up_to(unit.session, reader, room_id, seq):
        left = await room_unread_count(unit.session, reader.id, room_id)
        await unit.record(
            RoomRead(UserId(reader.id), {"room": room_id, "seq": seq, "unread": left})
        )
    await mark_read_where(
        unit,
        reader,
        Notification.room_id == room_id,
        Notification.target_type == "message",
        Notification.target_id.in_(
            select(ChatMessage.id).where(ChatMessage.room_id == room_id, ChatMessage.seq <= seq)
        ),
    )


async def read_task_up_to(unit: UnitOfWork, reader: Actor, task_id: int, seq: int) -> None:
    """Clear what notified the reader in the task's comments up to `seq` (refused beyond the
    stream's last event, as for rooms: a client only learns a seq from an event)."""
    await visible_task(unit.session, reader, task_id)
    if seq > await last_seq(unit.session, task_stream(task_id)):
        raise Invalid("seq: beyond the task's last event", field="seq")
    await mark_read_where(
        unit,
        reader,
        Notification.task_id == task_id,
        Notification.target_type == "comment",
        Notification.target_id.in_(
            select(TaskComment.id).where(TaskComment.task_id == task_id, TaskComment.seq <= seq)
        ),
    )


async def room_unread_count(session: AsyncSession, user_id: int, room_id: int) -> int:
    """Messages after the person's read marker in the room, other people's and not deleted
    (what a board page shows next to the room)."""
    count = await session.scalar(
        select(func.count(ChatMessage.id))
        .join(
            RoomMember,
            and_(
                RoomMember.room_id == ChatMessage.room_id,
                RoomMember.user_id == user_id,
                ChatMessage.seq > RoomMember.last_read_seq,
            ),
        )
        .where(
            ChatMessage.room_id == room_id,
            ChatMessage.deleted_at.is_(None),
            or_(ChatMessage.author_id.is_(None), ChatMessage.author_id != user_id),
        )
    )
    return int(count or 0)
