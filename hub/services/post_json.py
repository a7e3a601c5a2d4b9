"""The public JSON shape of a post (DESIGN §5: a message, or a comment with `task` in place of
`room`), from a post object or a row of its table alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from hub.db.types import iso


class PostFields(Protocol):
    """What a post's public shape is made of: a post object, or a row of its table."""

    @property
    def id(self) -> int: ...
    @property
    def seq(self) -> int: ...
    @property
    def author_id(self) -> int | None: ...
    @property
    def author_name(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def html(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def edited_at(self) -> datetime | None: ...
    @property
    def deleted_at(self) -> datetime | None: ...


def post_json(
    post: PostFields,
    place_key: str,
    place_id: int,
    author: dict[str, Any] | None,
    mentions: list[str],
) -> dict[str, Any]:
    return {
        "id": post.id,
        place_key: place_id,
        "seq": post.seq,
        "author": author,
        "author_name": post.author_name,
        "source": post.source,
        "body": post.body,
        "html": post.html,
        "mentions": [] if post.deleted_at else mentions,
        "created_at": iso(post.created_at),
        "edited_at": iso(post.edited_at) if post.edited_at else None,
        "deleted_at": iso(post.deleted_at) if post.deleted_at else None,
    }
