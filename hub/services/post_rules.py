"""The rules of posts (messages and comments alike): what a body may be, what makes a resend,
and who may post, read, edit and delete (DESIGN §4). Written once, for every path a post
takes: one at a time, many together, over any transport or bridge."""

from __future__ import annotations

from typing import Annotated, Protocol

from pydantic import StringConstraints

from hub.actors import Actor, BridgeActor, PostActor
from hub.errors import Forbidden, HubError, Invalid, NotFound, TooLarge
from hub.services.access import Standing

# A sender's own id for a post, so that a resend after a lost ack is stored once.
ClientId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00]*$")]


class Wording(Protocol):
    """How refusals name a kind of post and its place (a thread's names)."""

    @property
    def noun(self) -> str: ...
    @property
    def place_key(self) -> str: ...
    @property
    def outsider_refusal(self) -> str: ...


class Changeable(Protocol):
    """What deciding who may change a post looks at."""

    @property
    def author_id(self) -> int | None: ...
    @property
    def source(self) -> str: ...


def checked_body(body: str, max_bytes: int) -> str:
    if len(body.encode()) > max_bytes:
        raise TooLarge(f"body: at most {max_bytes} bytes", field="body")
    if not body.strip():
        raise Invalid("body: must not be empty", field="body")
    if "\x00" in body:
        raise Invalid("body: must not contain NUL characters", field="body")
    return body


def read_refusal(actor: PostActor, standing: Standing | None, thread: Wording) -> HubError | None:
    """Why `actor` may not read posts in a place, if they may not: its members and admins
    may; a bridge may wherever its link points (it checked the link)."""
    if standing is None:
        return NotFound(f"no such {thread.place_key}")
    if isinstance(actor, BridgeActor) or standing.member or actor.is_admin:
        return None
    return NotFound(f"no such {thread.place_key}")


def post_refusal(actor: PostActor, standing: Standing | None, thread: Wording) -> HubError | None:
    """Why `actor` may not post in a place, if they may not: its members may; admins see
    every place but post only where they belong; a bridge posts where its link points."""
    if standing is None:
        return NotFound(f"no such {thread.place_key}")
    if isinstance(actor, BridgeActor) or standing.member:
        return None
    if actor.is_admin:
        return Forbidden(thread.outsider_refusal)
    return NotFound(f"no such {thread.place_key}")


def edit_refusal(actor: PostActor, post: Changeable, thread: Wording) -> Forbidden | None:
    """Only the author edits a post; a bridge edits only what came from its platform."""
    if _brought_in_by(actor, post) or (isinstance(actor, Actor) and post.author_id == actor.id):
        return None
    return Forbidden(f"only the author may edit a {thread.noun}")


def delete_refusal(actor: PostActor, post: Changeable, thread: Wording) -> Forbidden | None:
    """The author or an admin deletes a post; a bridge deletes only what came from its
    platform."""
    if _brought_in_by(actor, post) or (
        isinstance(actor, Actor) and (post.author_id == actor.id or actor.is_admin)
    ):
        return None
    return Forbidden(f"only the author or an admin may delete a {thread.noun}")


def _brought_in_by(actor: PostActor, post: Changeable) -> bool:
    return isinstance(actor, BridgeActor) and post.source == actor.platform
