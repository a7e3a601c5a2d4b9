"""Where posts live: a room's messages and a task's comments. A `Thread` describes one kind
(its table, names, events and stream) and how its places are found and who belongs there;
every use-case on posts is written once, for both kinds, on top of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, Literal, Protocol, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import PostActor, rights_holder
from hub.db.models import BoardMember, ChatMessage, Mention, RoomMember, TaskComment, User
from hub.errors import HubError
from hub.events import HubEvent
from hub.services.access import Standing
from hub.services.notifications import Target
from hub.services.post_rules import Wording, post_refusal, read_refusal
from hub.services.post_statements import PostStatements
from hub.services.unit_of_work import Bulk

PostT = TypeVar("PostT", ChatMessage, TaskComment)
EventOf = Callable[[int, dict[str, Any]], HubEvent]
Rule = Callable[[PostActor, Standing | None, Wording], HubError | None]


@dataclass(frozen=True, slots=True)
class Candidate:
    """Someone who can see a post and so may be notified about it."""

    user_id: int
    username: str


class Places(Protocol):
    """How one kind of place (rooms, tasks) is found, and who belongs there."""

    async def standing(
        self, session: AsyncSession, place_id: int, user_id: int | None
    ) -> Standing | None:
        """The place and whether the user belongs there, in one query (None: no such place)."""

    async def candidates(
        self, session: AsyncSession, place: Standing, names: frozenset[str] | None
    ) -> list[Candidate]:
        """Who can see posts in `place` (only those named, lower-case, unless `names` is
        None), in a stable order."""

    async def followers(self, session: AsyncSession, place: Standing) -> list[int]:
        """People told of every new post even unmentioned (a task's assignees)."""


@dataclass(frozen=True, eq=False)
class Thread(Generic[PostT]):
    """One kind of post and its places."""

    model: type[PostT]
    place_key: Literal["room", "task"]  # the key naming the place in a post's JSON
    noun: Literal["message", "comment"]
    mention_key: str  # the Mention column that points at this kind of post
    stream: Callable[[int], str]
    created: EventOf
    updated: EventOf
    deleted: EventOf
    places: Places
    outsider_refusal: str  # why an admin who does not belong there may not post
    room_mentions: bool = False  # whether @room notifies everyone who can see the place
    follower_kind: str = ""  # notification kind for `places.followers`
    bulk: Bulk | None = None  # stores many posts that notify nobody at once, if the kind can

    @cached_property
    def statements(self) -> PostStatements:
        return PostStatements(self.model, self.place_key)

    @property
    def mention_column(self) -> ColumnElement[Any]:
        return Mention.__table__.c[self.mention_key]

    def place_id(self, post: PostT) -> int:
        place_id: int = getattr(post, f"{self.place_key}_id")
        return place_id

    def target(self, post_id: int, place: Standing) -> Target:
        """What a notification about a post in `place` points at."""
        return Target(
            self.noun, post_id, board_id=place.board_id, **{f"{self.place_key}_id": place.id}
        )

    async def readable(self, session: AsyncSession, actor: PostActor, place_id: int) -> Standing:
        """The place if `actor` may read it, else NotFound."""
        return await self._allowed(session, actor, place_id, read_refusal)

    async def writable(self, session: AsyncSession, actor: PostActor, place_id: int) -> Standing:
        """The place if `actor` may post there: NotFound if unseen, Forbidden if read-only."""
        return await self._allowed(session, actor, place_id, post_refusal)

    async def _allowed(
        self, session: AsyncSession, actor: PostActor, place_id: int, rule: Rule
    ) -> Standing:
        standing = await self.places.standing(session, place_id, rights_holder(actor))
        if (refusal := rule(actor, standing, self)) is not None:
            raise refusal
        assert standing is not None  # a rule refuses a place that does not exist
        return standing


async def members_named(
    session: AsyncSession,
    membership: type[RoomMember] | type[BoardMember],
    belongs: ColumnElement[bool],
    names: frozenset[str] | None,
) -> list[Candidate]:
    """The users of a membership table matching `belongs`, limited to `names` (lower-case)
    unless None, in the order they joined: a `Places.candidates` query."""
    statement = (
        select(User.id, User.username)
        .join(membership, membership.user_id == User.id)
        .where(belongs)
        .order_by(membership.id)
    )
    if names is not None:
        statement = statement.where(User.username_key.in_(names))
    return [Candidate(user_id, username) for user_id, username in await session.execute(statement)]
