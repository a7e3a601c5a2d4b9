"""Who a post newly mentions, stored and notified: when it is posted, and when an edit names
more people."""

from __future__ import annotations

from typing import Any

from hub.db.models import Mention
from hub.post_text import PostText
from hub.services.access import Standing
from hub.services.authors import Author
from hub.services.notifications import notify
from hub.services.threads import Candidate, Thread
from hub.services.unit_of_work import UnitOfWork


async def mention(
    unit: UnitOfWork,
    thread: Thread[Any],
    post_id: int,
    text: PostText,
    place: Standing,
    author: Author,
    *,
    already: set[int],
) -> list[Candidate]:
    """Store and notify the people the post's `text` newly names who can see it (never its
    author, nobody in `already`); return them."""
    parsed = text.mentions
    everyone = thread.room_mentions and parsed.room
    if not everyone and not parsed.usernames:
        return []
    names = None if everyone else parsed.usernames
    mentioned = [
        candidate
        for candidate in await thread.places.candidates(unit.session, place, names)
        if candidate.user_id != author.user_id and candidate.user_id not in already
    ]
    if not mentioned:
        return []
    unit.session.add_all(
        Mention(**{thread.mention_key: post_id, "user_id": candidate.user_id})
        for candidate in mentioned
    )
    await notify(
        unit,
        [candidate.user_id for candidate in mentioned],
        kind="mention",
        actor=author,
        target=thread.target(post_id, place),
        snippet=text.snippet,
    )
    return mentioned
