"""Task comments: board members read and comment; every comment also tells the task's
assignees (kind `task_comment`) unless it already mentions them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.auth.sessions import Viewer
from hub.db.models import BoardMember, Task, TaskAssignee, TaskComment
from hub.errors import Forbidden, NotFound
from hub.events import CommentCreated, CommentDeleted, CommentUpdated, HubEvent, TaskId, task_stream
from hub.services.access import task_access, visible_task
from hub.services.notifications import Target
from hub.services.posts import Candidate, Thread, members_named


class TaskComments(Thread[TaskComment, Task]):
    model = TaskComment
    place_key = "task"
    noun = "comment"
    mention_key = "comment_id"
    room_mentions = False
    follower_kind = "task_comment"

    async def readable(self, session: AsyncSession, viewer: Viewer, place_id: int) -> Task:
        return await visible_task(session, viewer, place_id)

    async def writable(self, session: AsyncSession, viewer: Viewer, place_id: int) -> Task:
        access = await task_access(session, place_id, viewer.id)
        if access is None:
            raise NotFound("no such task")
        if access.role is None:
            if viewer.is_admin:  # admins see every task but comment only on their boards
                raise Forbidden("only board members may comment here")
            raise NotFound("no such task")
        return access.task

    async def get_place(self, session: AsyncSession, place_id: int) -> Task | None:
        return await session.get(Task, place_id)

    def place_id(self, post: TaskComment) -> int:
        return post.task_id

    def set_place(self, post: TaskComment, place: Task) -> None:
        post.task_id = place.id

    def stream(self, place_id: int) -> str:
        return task_stream(place_id)

    async def candidates(
        self, session: AsyncSession, place: Task, names: frozenset[str] | None
    ) -> list[Candidate]:
        return await members_named(
            session, BoardMember, BoardMember.board_id == place.board_id, names
        )

    async def followers(self, session: AsyncSession, place: Task) -> list[int]:
        rows = await session.scalars(
            select(TaskAssignee.user_id)
            .where(TaskAssignee.task_id == place.id)
            .order_by(TaskAssignee.user_id)
        )
        return list(rows)

    def target(self, post: TaskComment, place: Task) -> Target:
        return Target("comment", post.id, board_id=place.board_id, task_id=place.id)

    def created(self, place_id: int, data: dict[str, Any]) -> HubEvent:
        return CommentCreated(TaskId(place_id), data)

    def updated(self, place_id: int, data: dict[str, Any]) -> HubEvent:
        return CommentUpdated(TaskId(place_id), data)

    def deleted(self, place_id: int, data: dict[str, Any]) -> HubEvent:
        return CommentDeleted(TaskId(place_id), data)


TASK_COMMENTS = TaskComments()
