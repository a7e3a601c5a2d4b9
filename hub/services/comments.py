"""Task comments: board members read and comment; every comment also tells the task's
assignees (kind `task_comment`) unless it already mentions them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import BoardMember, TaskAssignee, TaskComment
from hub.events import CommentCreated, CommentDeleted, CommentUpdated, TaskId, task_stream
from hub.services.access import Standing, task_standing
from hub.services.threads import Candidate, Thread, members_named


class TaskPlaces:
    """Tasks: the members of their board belong there; their assignees follow them."""

    async def standing(
        self, session: AsyncSession, place_id: int, user_id: int | None
    ) -> Standing | None:
        return await task_standing(session, place_id, user_id)

    async def candidates(
        self, session: AsyncSession, place: Standing, names: frozenset[str] | None
    ) -> list[Candidate]:
        return await members_named(
            session, BoardMember, BoardMember.board_id == place.board_id, names
        )

    async def followers(self, session: AsyncSession, place: Standing) -> list[int]:
        rows = await session.scalars(
            select(TaskAssignee.user_id)
            .where(TaskAssignee.task_id == place.id)
            .order_by(TaskAssignee.user_id)
        )
        return list(rows)


TASK_COMMENTS: Thread[TaskComment] = Thread(
    model=TaskComment,
    place_key="task",
    noun="comment",
    mention_key="comment_id",
    stream=task_stream,
    created=lambda task, data: CommentCreated(TaskId(task), data),
    updated=lambda task, data: CommentUpdated(TaskId(task), data),
    deleted=lambda task, data: CommentDeleted(TaskId(task), data),
    places=TaskPlaces(),
    outsider_refusal="only board members may comment here",
    follower_kind="task_comment",
)
