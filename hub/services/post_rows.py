"""A new post's row and its `created` event, built the same way whether the post is stored
alone (`post_store`) or with others of its batch (`message_bulk`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from hub.events import HubEvent
from hub.post_text import PostText
from hub.services.authors import Author, author_json
from hub.services.post_json import post_json
from hub.services.threads import Thread


@dataclass(frozen=True, slots=True)
class Draft:
    """A new post as far as it goes without the database: checked, and its text (HTML,
    mentions, snippet) derived."""

    body: str
    text: PostText
    client_id: str | None

    @property
    def names_anyone(self) -> bool:
        return bool(self.text.mentions.usernames or self.text.mentions.room)


class PostRow(NamedTuple):
    """A new post's row, its values in the order of `row_columns` (a post's `PostFields`)."""

    id: int
    place_id: int
    seq: int
    author_id: int | None
    author_name: str
    source: str
    body: str
    html: str
    client_id: str | None
    created_at: datetime
    edited_at: datetime | None = None
    deleted_at: datetime | None = None


UNSAVED = 0  # the id of a row not yet inserted (ids start at 1)


def row_columns(place_key: str) -> list[str]:
    """The columns of a post table (its place named `place_key`) in `PostRow` order."""
    return [f"{place_key}_id" if field == "place_id" else field for field in PostRow._fields]


def new_row(
    post_id: int,
    place_id: int,
    seq: int,
    draft: Draft,
    author: Author,
    source: str,
    now: datetime,
) -> PostRow:
    return PostRow(
        post_id,
        place_id,
        seq,
        author.user_id,
        author.display_name,
        source,
        draft.body,
        draft.text.html,
        draft.client_id,
        now,
    )


def created(
    thread: Thread[Any], row: PostRow, author: Author, mentions: list[str]
) -> tuple[dict[str, Any], HubEvent]:
    """The new post's public shape and the event announcing it."""
    author_data = author_json(author.user_id, author.username, author.display_name)
    data = post_json(row, thread.place_key, row.place_id, author_data, mentions)
    return data, thread.created(row.place_id, data)
