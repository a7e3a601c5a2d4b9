"""Posts: room messages and task comments, which share every rule but where they live.

A `Thread` kind (rooms for messages, tasks for comments; see `messages` and `comments`) says
where posts live, who may read and write there and who may be notified; the use-cases here
(post, edit, delete, list) are written once for both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.auth.sessions import Viewer
from hub.db.models import Base, BoardMember, ChatMessage, Mention, RoomMember, TaskComment, User
from hub.db.types import iso, utcnow
from hub.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from hub.events import HubEvent
from hub.mentions import MentionSet, parse_mentions
from hub.render import render_markdown, snippet
from hub.services.authors import Author, author_json
from hub.services.notifications import Target, notify
from hub.services.pagination import PageRequest, PageStatements
from hub.services.unit_of_work import Bulk, UnitOfWork

PostT = TypeVar("PostT", ChatMessage, TaskComment)
PlaceT = TypeVar("PlaceT")


@dataclass(frozen=True)
class Candidate:
    """Someone who can see a post and so may be notified about it."""

    user_id: int
    username: str


@dataclass(frozen=True, slots=True)
class Draft:
    """A new post as far as it goes without the database: checked, rendered, its mentions
    found."""

    body: str
    html: str
    mentions: MentionSet
    author: Author
    client_id: str | None


@dataclass(frozen=True, slots=True, eq=False)
class PostJob(Generic[PostT, PlaceT]):
    """The write job storing one new post. One that names nobody may be stored together with
    the other such posts of its batch (`bulk`, when its kind of thread has a bulk store)."""

    thread: Thread[PostT, PlaceT]
    place_id: int
    draft: Draft
    sender: Viewer | None
    bulk: Bulk | None

    async def __call__(self, unit: UnitOfWork) -> tuple[dict[str, Any], bool]:
        return await self.thread.store(unit, self.place_id, self.draft, self.sender)


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


class _PostStatements:
    """A post table's hot-path statements, built once (building one costs more than running
    it on SQLite)."""

    def __init__(self, model: type[ChatMessage] | type[TaskComment], place_key: str) -> None:
        self.table = Base.metadata.tables[model.__tablename__]
        self.by_client_id = select(self.table.c.id).where(
            self.table.c.author_id == bindparam("author"),
            self.table.c.client_id == bindparam("client_id"),
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
        self._columns = [column.key for column in self.table.c]

    async def insert(self, session: AsyncSession, post: ChatMessage | TaskComment) -> int:
        """Insert a new post's row in one statement, without the session's flush machinery
        (the object stays out of the session: a value holder), and return its id."""
        values = {key: post.__dict__[key] for key in self._columns if key in post.__dict__}
        return int((await session.execute(self._insert, values)).scalar_one())


class Thread(ABC, Generic[PostT, PlaceT]):
    """Where posts of one kind live (a room, a task) and the rules that differ by kind."""

    model: type[PostT]
    place_key: str  # "room" | "task": the key naming the place in a post's JSON
    noun: str  # "message" | "comment"
    mention_key: str  # the Mention column that points at this kind of post
    room_mentions: bool  # whether @room notifies everyone who can see the place
    follower_kind: str = ""  # notification kind for `followers`
    bulk: Bulk | None = None  # stores many posts that notify nobody at once, if the kind can

    @cached_property
    def _statements(self) -> _PostStatements:
        return _PostStatements(self.model, self.place_key)

    @property
    def history_pages(self) -> PageStatements:
        """The statements `history` runs (bench/storage.py prints their plans)."""
        return self._statements.history

    @property
    def mention_column(self) -> ColumnElement[Any]:
        return Mention.__table__.c[self.mention_key]

    @abstractmethod
    async def readable(self, session: AsyncSession, viewer: Viewer, place_id: int) -> PlaceT:
        """The place if `viewer` may read it, else NotFound."""

    async def check_readable(self, session: AsyncSession, viewer: Viewer, place_id: int) -> None:
        """NotFound unless `viewer` may read the place (`readable`, perhaps cheaper)."""
        await self.readable(session, viewer, place_id)

    @abstractmethod
    async def writable(self, session: AsyncSession, viewer: Viewer, place_id: int) -> PlaceT:
        """The place if `viewer` may post there: NotFound if unseen, Forbidden if read-only."""

    @abstractmethod
    async def get_place(self, session: AsyncSession, place_id: int) -> PlaceT | None: ...

    @abstractmethod
    def place_id(self, post: PostT) -> int: ...

    @abstractmethod
    def set_place(self, post: PostT, place: PlaceT) -> None: ...

    @abstractmethod
    def stream(self, place_id: int) -> str: ...

    @abstractmethod
    async def candidates(
        self, session: AsyncSession, place: PlaceT, names: frozenset[str] | None
    ) -> list[Candidate]:
        """Who can see posts in `place` (only those named, lower-case, unless `names` is
        None), in a stable order."""

    @abstractmethod
    async def followers(self, session: AsyncSession, place: PlaceT) -> list[int]:
        """People told of every new post even unmentioned (a task's assignees)."""

    @abstractmethod
    def target(self, post: PostT, place: PlaceT) -> Target: ...

    @abstractmethod
    def created(self, place_id: int, data: dict[str, Any]) -> HubEvent: ...

    @abstractmethod
    def updated(self, place_id: int, data: dict[str, Any]) -> HubEvent: ...

    @abstractmethod
    def deleted(self, place_id: int, data: dict[str, Any]) -> HubEvent: ...

    def posting(
        self,
        place_id: int,
        body: str,
        *,
        author: Author,
        sender: Viewer | None,
        max_bytes: int,
        client_id: str | None = None,
    ) -> PostJob[PostT, PlaceT]:
        """The write job storing a new post (give it to `Writer.run`). The body is checked and
        rendered here, before the job waits for the database: bad input fails at once."""
        body = checked_body(body, max_bytes)
        mentions = parse_mentions(body)
        draft = Draft(body, render_markdown(body), mentions, author, client_id)
        notifies = bool(mentions.usernames or mentions.room)
        return PostJob(self, place_id, draft, sender, None if notifies else self.bulk)

    async def store(
        self, unit: UnitOfWork, place_id: int, draft: Draft, sender: Viewer | None
    ) -> tuple[dict[str, Any], bool]:
        """Store a post with its mentions and notifications: (post, True), or (the earlier
        post, False) when its author already used its client_id (a resend after a lost ack).
        `sender` is the person whose rights apply (None: a bridge, already authorised)."""
        session, author = unit.session, draft.author
        if sender is not None:
            place = await self.writable(session, sender, place_id)
        elif (found := await self.get_place(session, place_id)) is not None:
            place = found
        else:
            raise NotFound(f"no such {self.place_key}")
        if draft.client_id is not None and author.user_id is not None:
            earlier = await session.scalar(
                self._statements.by_client_id,
                {"author": author.user_id, "client_id": draft.client_id},
            )
            if earlier is not None:
                (data,) = await self.json(
                    session, [await session.get_one(self.model, earlier)], place_id
                )
                return data, False
        post = self.model(
            client_id=draft.client_id,
            author_id=author.user_id,
            author_name=author.display_name,
            source=author.source,
            body=draft.body,
            html=draft.html,
            seq=await unit.next_seq(self.stream(place_id)),
            created_at=utcnow(),
        )
        self.set_place(post, place)
        post.id = await self._statements.insert(session, post)
        mentioned = await self._mention(unit, post, place, author, draft.mentions, already=set())
        named = {candidate.user_id for candidate in mentioned}
        followers = [
            user_id
            for user_id in await self.followers(session, place)
            if user_id not in named and user_id != author.user_id
        ]
        if followers:
            await notify(
                unit,
                followers,
                kind=self.follower_kind,
                actor=author,
                target=self.target(post, place),
                snippet=snippet(draft.body),
            )
        author_data = author_json(author.user_id, author.username, author.display_name)
        data = post_json(
            post, self.place_key, place_id, author_data, [c.username for c in mentioned]
        )
        await unit.record(self.created(place_id, data), seq=post.seq)
        return data, True

    async def edit(
        self, unit: UnitOfWork, viewer: Viewer, post_id: int, body: str, *, max_bytes: int
    ) -> dict[str, Any]:
        """Change one's own post; people it newly mentions are notified, once."""
        post, place = await self._find(unit.session, viewer, post_id)
        if post.author_id != viewer.id:
            raise Forbidden(f"only the author may edit a {self.noun}")
        if post.deleted_at is not None:
            raise Conflict(f"the {self.noun} was deleted")
        post.body = checked_body(body, max_bytes)
        post.html = render_markdown(post.body)
        post.edited_at = utcnow()
        already = set(
            await unit.session.scalars(
                select(Mention.user_id).where(self.mention_column == post.id)
            )
        )
        mentions = parse_mentions(post.body)
        await self._mention(unit, post, place, Author.of(viewer), mentions, already=already)
        (data,) = await self.json(unit.session, [post], self.place_id(post))
        await unit.record(self.updated(self.place_id(post), data))
        return data

    async def delete(self, unit: UnitOfWork, viewer: Viewer, post_id: int) -> dict[str, Any]:
        """Soft delete by the author or an admin: the id and seq stay, the text goes."""
        post, _place = await self._find(unit.session, viewer, post_id)
        if post.author_id != viewer.id and not viewer.is_admin:
            raise Forbidden(f"only the author or an admin may delete a {self.noun}")
        if post.deleted_at is not None:
            return (await self.json(unit.session, [post], self.place_id(post)))[0]
        post.body, post.html, post.deleted_at = "", "", utcnow()
        await unit.session.flush()
        (data,) = await self.json(unit.session, [post], self.place_id(post))
        await unit.record(self.deleted(self.place_id(post), data))
        return data

    async def history(
        self, session: AsyncSession, viewer: Viewer, place_id: int, page: PageRequest
    ) -> tuple[list[dict[str, Any]], int | None]:
        """A page of posts, oldest first."""
        await self.check_readable(session, viewer, place_id)
        rows, next_cursor = await self._statements.history.fetch(
            session, {"page_scope": place_id}, page
        )
        authors = {
            row.id: author_json(row.author_id, row.author_username, row.author_display_name)
            for row in rows
        }
        return await self.json(session, rows, place_id, authors), next_cursor

    async def json(
        self,
        session: AsyncSession,
        posts: Sequence[PostFields],
        place_id: int,
        authors: dict[int, dict[str, Any] | None] | None = None,
    ) -> list[dict[str, Any]]:
        """The public shape of posts in one place, with their mentions, and their authors
        (post id → `author`) unless given, loaded in a query each (rows, not objects, for
        pages: building objects costs most of a read)."""
        if authors is None:
            authors = await _authors(session, posts)
        mentions = await self._mentioned_names(session, posts)
        return [
            post_json(post, self.place_key, place_id, authors[post.id], mentions.get(post.id, []))
            for post in posts
        ]

    async def _find(
        self, session: AsyncSession, viewer: Viewer, post_id: int
    ) -> tuple[PostT, PlaceT]:
        post = await session.get(self.model, post_id)
        if post is None:
            raise NotFound(f"no such {self.noun}")
        try:
            place = await self.readable(session, viewer, self.place_id(post))
        except NotFound:
            raise NotFound(f"no such {self.noun}") from None
        return post, place

    async def _mention(
        self,
        unit: UnitOfWork,
        post: PostT,
        place: PlaceT,
        author: Author,
        parsed: MentionSet,
        *,
        already: set[int],
    ) -> list[Candidate]:
        """Store and notify the people `parsed` newly names (never the author); return them."""
        everyone = self.room_mentions and parsed.room
        if not everyone and not parsed.usernames:
            return []
        names = None if everyone else parsed.usernames
        mentioned = [
            candidate
            for candidate in await self.candidates(unit.session, place, names)
            if candidate.user_id != author.user_id and candidate.user_id not in already
        ]
        if not mentioned:
            return []
        unit.session.add_all(
            Mention(**{self.mention_key: post.id, "user_id": candidate.user_id})
            for candidate in mentioned
        )
        await notify(
            unit,
            [candidate.user_id for candidate in mentioned],
            kind="mention",
            actor=author,
            target=self.target(post, place),
            snippet=snippet(post.body),
        )
        return mentioned

    async def _mentioned_names(
        self, session: AsyncSession, posts: Sequence[PostFields]
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
            select(self.mention_column, User.username)
            .join(User, User.id == Mention.user_id)
            .where(self.mention_column.in_(ids))
            .order_by(Mention.id)
        )
        names: dict[int, list[str]] = {}
        for post_id, username in rows:
            names.setdefault(post_id, []).append(username)
        return names


async def members_named(
    session: AsyncSession,
    membership: type[RoomMember] | type[BoardMember],
    belongs: ColumnElement[bool],
    names: frozenset[str] | None,
) -> list[Candidate]:
    """The users of a membership table matching `belongs`, limited to `names` (lower-case)
    unless None, in the order they joined: a `Thread.candidates` query."""
    statement = (
        select(User.id, User.username)
        .join(membership, membership.user_id == User.id)
        .where(belongs)
        .order_by(membership.id)
    )
    if names is not None:
        statement = statement.where(User.username_key.in_(names))
    return [Candidate(user_id, username) for user_id, username in await session.execute(statement)]


def checked_body(body: str, max_bytes: int) -> str:
    if len(body.encode()) > max_bytes:
        raise TooLarge(f"body: at most {max_bytes} bytes", field="body")
    if not body.strip():
        raise Invalid("body: must not be empty", field="body")
    if "\x00" in body:
        raise Invalid("body: must not contain NUL characters", field="body")
    return body


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
