"""Reading posts: a page of a place's history, and the public shape of posts with their
authors and mentions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import PostActor
from hub.db.models import Mention, User
from hub.services.authors import author_json
from hub.services.pagination import PageRequest
from hub.services.post_json import PostFields, post_json
from hub.services.threads import Thread


async def history(
    session: AsyncSession, thread: Thread[Any], actor: PostActor, place_id: int, page: PageRequest
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of posts, oldest first."""
    await thread.readable(session, actor, place_id)
    rows, next_cursor = await thread.statements.history.fetch(
        session, {"page_scope": place_id}, page
    )
    authors = {
        row.id: author_json(row.author_id, row.author_username, row.author_display_name)
        for row in rows
    }
    return await posts_json(session, thread, rows, place_id, authors), next_cursor


async def posts_json(
    session: AsyncSession,
    thread: Thread[Any],
    posts: Sequence[PostFields],
    place_id: int,
    authors: dict[int, dict[str, Any] | None] | None = None,
) -> list[dict[str, Any]]:
    """The public shape of posts in one place, with their mentions, and their authors
    (post id → `author`) unless given, loaded in a query each (rows, not objects, for
    pages: building objects costs most of a read)."""
    if authors is None:
        authors = await _authors(session, posts)
    mentions = await _mentioned_names(session, thread, posts)
    return [
        post_json(post, thread.place_key, place_id, authors[post.id], mentions.get(post.id, []))
        for post in posts
    ]


async def _mentioned_names(
    session: AsyncSession, thread: Thread[Any], posts: Sequence[PostFields]
) -> dict[int, list[str]]:
    # Mentions come from an `@` in the body as first sent or as edited since: a post with
    # neither has none (most of a history page), and a deleted one shows none.
    ids = [
        post.id
        for post in posts
        if post.deleted_at is None and ("@" in post.body or post.edited_at is not None)
    ]
    if not ids:
        return {}
    rows = await session.execute(
        select(thread.mention_column, User.username)
        .join(User, User.id == Mention.user_id)
        .where(thread.mention_column.in_(ids))
        .order_by(Mention.id)
    )
    names: dict[int, list[str]] = {}
    for post_id, username in rows:
        names.setdefault(post_id, []).append(username)
    return names


_AUTHORS = select(User.id, User.username, User.display_name).where(
    User.id.in_(bindparam("ids", expanding=True))
)


async def _authors(
    session: AsyncSession, posts: Sequence[PostFields]
) -> dict[int, dict[str, Any] | None]:
    """Post id → the `author` object (null for platform authors without a hub account)."""
    ids = {post.author_id for post in posts if post.author_id is not None}
    authors: dict[int | None, dict[str, Any] | None] = {}
    if ids:
        rows = await session.execute(_AUTHORS, {"ids": list(ids)})
        authors = {user_id: author_json(user_id, name, shown) for user_id, name, shown in rows}
    return {post.id: authors.get(post.author_id) for post in posts}
