"""Storing one new post: the write job that `Posting` builds, run alone (in its savepoint)
or, when it names nobody, by its kind's bulk store together with others of its batch.

A post is stored once per dedupe key: a hub author's `client_id` (a resend after a lost
ack), or a platform's (channel, message id) for a post a bridge brought in, whoever wrote
it. A resend answers with the post stored first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import PostActor
from hub.db.models import ExternalMessage
from hub.db.types import utcnow
from hub.events import Origin
from hub.services.authors import Author
from hub.services.notifications import notify
from hub.services.post_mentions import mention
from hub.services.post_reads import posts_json
from hub.services.post_rows import UNSAVED, Draft, PostRow, created, new_row, row_columns
from hub.services.threads import Thread
from hub.services.unit_of_work import Bulk, UnitOfWork

AlsoWork = Callable[[UnitOfWork, dict[str, Any]], Awaitable[None]]
"""Work a caller needs in a post's transaction, given the post's public shape."""


class Posted(NamedTuple):
    """A write's post (its public shape), and whether it was stored now: False for a resend,
    which answers with the post stored the first time."""

    post: dict[str, Any]
    created: bool


@dataclass(slots=True, eq=False)  # not frozen: built for every post, and never changed
class PostJob:
    """The write job storing one new post (`Posting.new_post` builds it). `also` runs in the
    same transaction once the post is stored anew. A job that notifies nobody names its kind's
    `bulk` store, which may store it together with the other such jobs of its batch."""

    thread: Thread[Any]
    place_id: int
    draft: Draft
    actor: PostActor
    author: Author
    origin: Origin
    also: AlsoWork | None
    bulk: Bulk | None

    async def __call__(self, unit: UnitOfWork) -> Posted:
        return await store_post(unit, self)


async def store_post(unit: UnitOfWork, job: PostJob) -> Posted:
    """Store a post with its mentions and notifications, or find the post it resends."""
    thread, session = job.thread, unit.session
    place = await thread.writable(session, job.actor, job.place_id)
    earlier = await earlier_post(session, job)
    if earlier is not None:
        (data,) = await posts_json(
            session, thread, [await session.get_one(thread.model, earlier)], place.id
        )
        return Posted(data, False)
    seq = await unit.next_seq(thread.stream(place.id))
    row = new_row(UNSAVED, place.id, seq, job.draft, job.author, job.origin.source, utcnow())
    values = dict(zip(row_columns(thread.place_key)[1:], row[1:], strict=True))
    row = row._replace(id=await thread.statements.insert(session, values))
    if job.origin.message_id is not None:
        session.add(_inbound_copy(thread, row, job.origin))
    mentioned = await mention(
        unit, thread, row.id, job.draft.text, place, job.author, already=set()
    )
    named = {candidate.user_id for candidate in mentioned}
    followers = [
        user_id
        for user_id in await thread.places.followers(session, place)
        if user_id not in named and user_id != job.author.user_id
    ]
    if followers:
        await notify(
            unit,
            followers,
            kind=thread.follower_kind,
            actor=job.author,
            target=thread.target(row.id, place),
            snippet=job.draft.text.snippet,
        )
    data, event = created(thread, row, job.author, [c.username for c in mentioned])
    await unit.record(event, seq=seq)
    if job.also is not None:
        await job.also(unit, data)
    return Posted(data, True)


async def earlier_post(session: AsyncSession, job: PostJob) -> int | None:
    """The id of the post that `job` resends, if any."""
    statements, origin = job.thread.statements, job.origin
    if origin.message_id is not None:
        return await session.scalar(
            statements.by_external_id,
            {
                "platform": origin.source,
                "channel": origin.channel,
                "external_id": origin.message_id,
            },
        )
    if (key := client_key(job)) is not None:
        author, client_id = key
        return await session.scalar(
            statements.by_client_id, {"author": author, "client_id": client_id}
        )
    return None


def client_key(job: PostJob) -> tuple[int, str] | None:
    """A hub author's key for resends of one post: (author, client_id), when both exist."""
    if job.draft.client_id is None or job.author.user_id is None:
        return None
    return job.author.user_id, job.draft.client_id


def _inbound_copy(thread: Thread[Any], row: PostRow, origin: Origin) -> ExternalMessage:
    """The message map's entry for a post a bridge brought in (its dedupe key, and how later
    edits and deletes on the platform find it)."""
    assert origin.channel is not None and origin.message_id is not None
    return ExternalMessage(
        platform=origin.source,
        channel=origin.channel,
        external_id=origin.message_id,
        thread_id=origin.thread_id,
        direction="in",
        **{thread.statements.external_post.key: row.id},
        created_at=row.created_at,
    )
