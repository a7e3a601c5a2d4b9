"""The one way posts enter the hub and change: the dashboard's socket and forms, the API, the
demo and the bridges all come here. What every post goes through is here once: the size limit,
the sender's rate limits, markdown and mentions, the dedupe key, the origin its events carry,
and the write through the group commit. Extra work a caller needs in the same transaction
(`also`) runs with the post's own.

A body's text (HTML, mentions, snippet) is derived before its write job is queued, off the
event loop unless that is cheap (`RenderPool`): the writer is one for everyone, so the job
is handed finished values.
"""

from __future__ import annotations

from typing import Any

from hub.actors import Actor, PostActor
from hub.events import Origin
from hub.post_text import PostText, post_text
from hub.ratelimit import SendThrottle
from hub.render_pool import RenderPool, renders_in_loop
from hub.services.authors import Author
from hub.services.post_changes import delete_post, edit_post
from hub.services.post_rows import Draft
from hub.services.post_rules import checked_body
from hub.services.post_store import AlsoWork, Posted, PostJob
from hub.services.threads import Thread
from hub.services.unit_of_work import UnitOfWork
from hub.services.writer import Writer


class Posting:
    """Posts in, through `writer`: new ones (`submit`), edits and deletes, their bodies
    rendered by `renderer` (without one, in the event loop: for trusted text only).

    A person's sends and edits are limited by `throttle`; a bridge's are not, since its
    platform limits its own users and a send refused here would be a message lost that the
    platform shows."""

    def __init__(
        self,
        writer: Writer,
        throttle: SendThrottle | None,
        *,
        max_bytes: int,
        renderer: RenderPool | None = None,
    ) -> None:
        self.writer = writer
        self.max_bytes = max_bytes
        self._throttle = throttle
        self._renderer = renderer

    async def submit(
        self,
        thread: Thread[Any],
        place_id: int,
        body: str,
        *,
        actor: PostActor,
        origin: Origin,
        client_id: str | None = None,
        also: AlsoWork | None = None,
    ) -> Posted:
        """Post `body` in a room or on a task (the place's id, `thread` its kind) once it is
        committed and published; a resend (the same client_id from the same author, or the same
        platform message) answers with the post stored first."""
        body = checked_body(body, self.max_bytes)
        if self._throttle is not None and isinstance(actor, Actor):
            await self._throttle.take(actor.id, len(body.encode()))
        draft = Draft(body, self._cheap_text(body) or await self._pooled_text(body), client_id)
        job = self._job(thread, place_id, draft, actor=actor, origin=origin, also=also)
        return await self.writer.run(job, origin=origin)

    def new_post(
        self,
        thread: Thread[Any],
        place_id: int,
        body: str,
        *,
        actor: PostActor,
        origin: Origin,
        client_id: str | None = None,
        also: AlsoWork | None = None,
    ) -> PostJob:
        """The write job storing a new post, unthrottled and rendered in the event loop, for a
        caller that runs its own job with trusted text (the demo) or its own writer (tests).
        The body is checked and rendered here, before the job waits for the database: bad
        input fails at once."""
        body = checked_body(body, self.max_bytes)
        draft = Draft(body, post_text(body), client_id)
        return self._job(thread, place_id, draft, actor=actor, origin=origin, also=also)

    def _job(
        self,
        thread: Thread[Any],
        place_id: int,
        draft: Draft,
        *,
        actor: PostActor,
        origin: Origin,
        also: AlsoWork | None,
    ) -> PostJob:
        alone = draft.names_anyone or origin.message_id is not None or also is not None
        return PostJob(
            thread, place_id, draft, actor, Author.of(actor), origin, also,
            None if alone else thread.bulk,
        )  # fmt: skip

    async def edit(
        self,
        thread: Thread[Any],
        post_id: int,
        body: str,
        *,
        actor: PostActor,
        origin: Origin,
        also: AlsoWork | None = None,
    ) -> dict[str, Any]:
        """Change a post's body (its author; a bridge, what came from its platform). An edit
        costs as much rendering as a new post: a person's counts against their byte limit."""
        body = checked_body(body, self.max_bytes)
        if self._throttle is not None and isinstance(actor, Actor):
            self._throttle.take_bytes(actor.id, len(body.encode()))
        text = self._cheap_text(body) or await self._pooled_text(body)

        async def job(unit: UnitOfWork) -> dict[str, Any]:
            data = await edit_post(unit, thread, actor, post_id, body, text)
            if also is not None:
                await also(unit, data)
            return data

        return await self.writer.run(job, origin=origin)

    async def delete(
        self,
        thread: Thread[Any],
        post_id: int,
        *,
        actor: PostActor,
        origin: Origin,
        also: AlsoWork | None = None,
    ) -> dict[str, Any]:
        """Delete a post (its author or an admin; a bridge, what came from its platform)."""

        async def job(unit: UnitOfWork) -> dict[str, Any]:
            data = await delete_post(unit, thread, actor, post_id)
            if also is not None:
                await also(unit, data)
            return data

        return await self.writer.run(job, origin=origin)

    async def mentioned(self, body: str) -> frozenset[str]:
        """The names `body` mentions, parsed as a post's body is (long ones off the loop)."""
        text = self._cheap_text(body) or await self._pooled_text(body)
        return text.mentions.usernames

    def _cheap_text(self, body: str) -> PostText | None:
        """A body's text made right here when that is cheap (most bodies are short) or there
        is no pool; None when the pool must make it."""
        if self._renderer is None or renders_in_loop(body):
            return post_text(body)
        return None

    async def _pooled_text(self, body: str) -> PostText:
        assert self._renderer is not None
        return await self._renderer.post_text(body)
