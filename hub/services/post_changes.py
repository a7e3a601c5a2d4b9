"""Changing a stored post: an edit (people it newly mentions are notified, once) or a soft
delete (its id and seq stay, its text goes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import PostActor
from hub.db.models import Mention
from hub.db.types import utcnow
from hub.errors import Conflict, NotFound
from hub.post_text import PostText
from hub.services.access import Standing
from hub.services.authors import Author
from hub.services.post_mentions import mention
from hub.services.post_reads import posts_json
from hub.services.post_rules import delete_refusal, edit_refusal
from hub.services.threads import PostT, Thread
from hub.services.unit_of_work import UnitOfWork


async def edit_post(
    unit: UnitOfWork,
    thread: Thread[Any],
    actor: PostActor,
    post_id: int,
    body: str,
    text: PostText,
) -> dict[str, Any]:
    """Give a post the checked `body`, and `text` derived from it."""
    session = unit.session
    post, place = await _find(session, thread, actor, post_id)
    if refusal := edit_refusal(actor, post, thread):
        raise refusal
    if post.deleted_at is not None:
        raise Conflict(f"the {thread.noun} was deleted")
    post.body, post.html, post.edited_at = body, text.html, utcnow()
    already = set(
        await session.scalars(select(Mention.user_id).where(thread.mention_column == post.id))
    )
    await mention(unit, thread, post.id, text, place, Author.of(actor), already=already)
    (data,) = await posts_json(session, thread, [post], place.id)
    await unit.record(thread.updated(place.id, data))
    return data


async def delete_post(
    unit: UnitOfWork, thread: Thread[Any], actor: PostActor, post_id: int
) -> dict[str, Any]:
    session = unit.session
    post, place = await _find(session, thread, actor, post_id)
    if refusal := delete_refusal(actor, post, thread):
        raise refusal
    if post.deleted_at is not None:
        return (await posts_json(session, thread, [post], place.id))[0]
    post.body, post.html, post.deleted_at = "", "", utcnow()
    await session.flush()
    (data,) = await posts_json(session, thread, [post], place.id)
    await unit.record(thread.deleted(place.id, data))
    return data


async def _find(
    session: AsyncSession, thread: Thread[PostT], actor: PostActor, post_id: int
) -> tuple[PostT, Standing]:
    """The post and its place, if `actor` may read it; else NotFound (an unseen place's
    posts do not exist for them)."""
    post = await session.get(thread.model, post_id)
    if post is None:
        raise NotFound(f"no such {thread.noun}")
    try:
        place = await thread.readable(session, actor, thread.place_id(post))
    except NotFound:
        raise NotFound(f"no such {thread.noun}") from None
    return post, place
