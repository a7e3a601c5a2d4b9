"""A post table's hot-path statements, built once per kind of post (building a statement
costs more than running it on SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Base, ChatMessage, ExternalMessage, TaskComment, User
from hub.services.pagination import PageStatements

_EXTERNAL = Base.metadata.tables[ExternalMessage.__tablename__]


class PostStatements:
    def __init__(self, model: type[ChatMessage] | type[TaskComment], place_key: str) -> None:
        self.table = Base.metadata.tables[model.__tablename__]
        self.by_client_id = select(self.table.c.id).where(
            self.table.c.author_id == bindparam("author"),
            self.table.c.client_id == bindparam("client_id"),
        )
        post_key = "message_id" if model is ChatMessage else "comment_id"
        self.external_post = _EXTERNAL.c[post_key]
        self.by_external_id = select(self.external_post).where(
            _EXTERNAL.c.platform == bindparam("platform"),
            _EXTERNAL.c.channel == bindparam("channel"),
            _EXTERNAL.c.external_id == bindparam("external_id"),
            self.external_post.is_not(None),
        )
        self._insert = insert(self.table).returning(self.table.c.id)
        place = self.table.c[f"{place_key}_id"]
        # A page's rows carry their authors' names: one query for a page, not two.
        with_authors = select(
            *self.table.c,
            User.username.label("author_username"),
            User.display_name.label("author_display_name"),
        ).outerjoin(User, User.id == self.table.c.author_id)
        self.history = PageStatements(with_authors, self.table.c.id, scope=place)

    async def insert(self, session: AsyncSession, values: dict[str, Any]) -> int:
        """Insert a new post's row in one statement and return its id."""
        return int((await session.execute(self._insert, values)).scalar_one())
