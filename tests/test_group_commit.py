"""Group commit: concurrent writes share transactions yet keep every guarantee one write had
(gap-free seq, commit before publish and before the caller's result, failures kept apart)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from hub.appkeys import DATABASE, SETTINGS
from hub.auth.sessions import Viewer
from hub.broker import BrokerMessage, Deliver
from hub.db.engine import Database
from hub.db.models import ChatMessage, StreamEvent, User
from hub.errors import Conflict, Forbidden, NotFound
from hub.events import WEB_ORIGIN, MessageCreated, RoomId, room_stream
from hub.services import message_bulk
from hub.services.messages import ROOM_MESSAGES
from hub.services.pagination import NEWEST, PageRequest
from hub.services.post_reads import history
from hub.services.posting import Posting
from hub.services.unit_of_work import UnitOfWork
from hub.services.writer import Writer
from tests.conftest import Api, UserFactory
from tests.realtime import Team, make_team


class CommitCheckingBroker:
    """Records what is published and whether it was already committed at that moment (seen
    from another connection)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.published: list[tuple[str, int | None, bool]] = []

    def start(self, deliver: Deliver) -> None: ...

    async def subscribe(self, stream: str) -> None: ...

    async def unsubscribe(self, stream: str) -> None: ...

    async def publish(self, message: BrokerMessage) -> None:
        async with self.database.read() as session:
            committed = await session.scalar(
                select(StreamEvent.id).where(
                    StreamEvent.stream == message.stream, StreamEvent.seq == message.seq
                )
            )
        self.published.append((message.stream, message.seq, committed is not None))

    async def close(self) -> None: ...


class Hub:
    """A writer of its own on the test app's database, and people who may post."""

    def __init__(self, api: Api, team: Team, viewers: dict[str, Viewer], batch_max: int) -> None:
        self.database = api.client.app[DATABASE]
        self.room = team.room
        self.viewers = viewers
        self.broker = CommitCheckingBroker(self.database)
        self.writer = Writer(self.database, self.broker, batch_max=batch_max)
        max_bytes = api.client.app[SETTINGS].max_message_bytes
        self.posting = Posting(self.writer, None, max_bytes=max_bytes)

    def post(
        self, sender: str, body: str, client_id: str | None = None, *, room: int | None = None
    ) -> Any:
        return self.posting.new_post(
            ROOM_MESSAGES,
            self.room if room is None else room,
            body,
            actor=self.viewers[sender],
            origin=WEB_ORIGIN,
            client_id=client_id,
        )

    async def stored(self) -> list[tuple[str, int]]:
        async with self.database.read() as session:
            rows = await session.execute(
                select(ChatMessage.body, ChatMessage.seq)
                .where(ChatMessage.room_id == self.room)
                .order_by(ChatMessage.seq)
            )
            return [(body, seq) for body, seq in rows]

    async def events(self) -> list[int]:
        async with self.database.read() as session:
            rows = await session.scalars(
                select(StreamEvent.seq)
                .where(StreamEvent.stream == room_stream(self.room))
                .order_by(StreamEvent.seq)
            )
            return list(rows)


@pytest.fixture
async def hub(make_user: UserFactory) -> Hub:
    alice, bob, _dave = [await make_user(name) for name in ("alice", "bob", "dave")]
    await make_user("root", admin=True)
    team = await make_team(alice, bob)
    async with alice.client.app[DATABASE].read() as session:
        users = await session.scalars(select(User))
        viewers = {
            u.username: Viewer(u.id, u.username, u.display_name, u.is_admin, 0) for u in users
        }
    return Hub(alice, team, viewers, batch_max=64)


async def shared_session(unit: UnitOfWork) -> int:
    return id(unit.session)


async def test_concurrent_posts_share_commits_and_keep_seqs_gap_free(hub: Hub) -> None:
    jobs = [hub.post("alice" if n % 2 else "bob", f"message {n}", f"c-{n}") for n in range(150)]
    results = await asyncio.gather(*(hub.writer.run(job) for job in jobs))

    seqs = [data["seq"] for data, created in results]
    assert all(created for _, created in results)
    assert sorted(seqs) == list(range(1, 151))
    stored = await hub.stored()
    assert sorted(stored) == sorted((data["body"], data["seq"]) for data, _ in results)
    assert await hub.events() == list(range(1, 151))
    # Every event was published once, in seq order, and only once it was committed.
    assert hub.broker.published == [(room_stream(hub.room), seq, True) for seq in range(1, 151)]


async def test_writes_queued_during_a_commit_share_the_next_one(hub: Hub) -> None:
    hub.writer.batch_max = 8
    sessions = await asyncio.gather(*(hub.writer.run(shared_session) for _ in range(20)))
    assert len(set(sessions)) == 3  # batches of 8, 8 and 4

    alone = await hub.writer.run(hub.post("alice", "on its own"))
    assert alone[0]["seq"] == 1 and await hub.stored() == [("on its own", 1)]


async def fails_after_writing(hub: Hub, unit: UnitOfWork) -> None:
    await hub.post("alice", "never kept", "doomed")(unit)
    raise Conflict("changed my mind")


async def test_a_failing_job_is_undone_alone(hub: Hub) -> None:
    jobs = [
        hub.post("alice", "first", "c-1"),
        lambda unit: fails_after_writing(hub, unit),
        hub.post("dave", "not a member"),  # NotFound: dave is not in the room
        hub.post("bob", "second", "c-2"),
        hub.post("alice", "first again", "c-1"),  # a resend: the first message, not a new one
    ]
    results = await asyncio.gather(*(hub.writer.run(job) for job in jobs), return_exceptions=True)

    first, failed, refused, second, resent = results
    assert isinstance(failed, Conflict) and isinstance(refused, NotFound)
    assert first == (resent[0], True) and resent[1] is False  # type: ignore[index]
    assert second[0]["seq"] == 2  # type: ignore[index]  # the failed job's seq was reused
    assert await hub.stored() == [("first", 1), ("second", 2)]
    assert await hub.events() == [1, 2]
    assert [seq for _, seq, _ in hub.broker.published] == [1, 2]


async def test_a_failed_commit_fails_every_job_and_publishes_nothing(hub: Hub) -> None:
    await hub.writer.run(hub.post("alice", "before"))

    async def clashes(unit: UnitOfWork) -> None:
        """An event at a seq already taken: the batch's transaction cannot be committed."""
        event = MessageCreated(RoomId(hub.room), {"clash": True})
        await unit.record(event, seq=1)

    published = len(hub.broker.published)
    jobs = [hub.post("alice", "a"), clashes, hub.post("bob", "b")]
    results = await asyncio.gather(*(hub.writer.run(job) for job in jobs), return_exceptions=True)

    assert all(isinstance(result, Exception) for result in results)
    assert len({type(result) for result in results}) == 1  # the commit's error, for everyone
    assert await hub.stored() == [("before", 1)]
    assert await hub.events() == [1]
    assert len(hub.broker.published) == published
    # The writer goes on: the next write takes the next seq.
    data, _ = await hub.writer.run(hub.post("bob", "after"))
    assert data["seq"] == 2


async def test_a_lone_failing_job_gets_its_own_error(hub: Hub) -> None:
    with pytest.raises(NotFound):
        await hub.writer.run(hub.post("dave", "hello"))
    async with hub.database.read() as session:
        assert await session.scalar(select(func.count()).select_from(ChatMessage)) == 0


async def statements_while(hub: Hub, work: Any) -> tuple[Any, int]:
    """`work`'s result and how many statements the database was sent meanwhile (the checking
    broker's own queries included)."""
    engine = hub.database._write_engine.sync_engine
    sent = 0

    def count(*_: Any) -> None:
        nonlocal sent
        sent += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        return await work, sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_plain_messages_are_stored_together_in_a_few_statements(hub: Hub) -> None:
    jobs = [hub.post("alice" if n % 2 else "bob", f"plain {n}", f"p-{n}") for n in range(60)]
    results, statements = await statements_while(
        hub, asyncio.gather(*(hub.writer.run(job) for job in jobs))
    )

    assert [data["seq"] for data, _ in results] == list(range(1, 61))  # in the order sent
    # Per batch, not per message: the broker's 60 checks and about 10 (60 one by one: 300).
    assert statements <= 60 + 15
    assert await hub.stored() == [(f"plain {n}", n + 1) for n in range(60)]
    assert [seq for _, seq, _ in hub.broker.published] == list(range(1, 61))


async def test_a_message_stored_together_reads_as_one_stored_alone(hub: Hub) -> None:
    """The bulk path and the one-by-one path give the same shape (the ack, the event, the API)."""
    (alone, _), *_ = await asyncio.gather(hub.writer.run(hub.post("alice", "*alone*", "a")))
    together = await asyncio.gather(
        *(hub.writer.run(hub.post("alice", f"*together* {n}", f"t-{n}")) for n in range(3))
    )
    (first, created), *_ = together
    assert created
    assert set(first) == set(alone)
    for key in ("room", "author", "author_name", "source", "mentions", "edited_at"):
        assert first[key] == alone[key], key
    assert first["html"] == "<p><em>together</em> 0</p>\n"
    assert first["id"] > alone["id"] and first["seq"] == alone["seq"] + 1
    async with hub.database.read() as session:
        pages, _ = await history(
            session,
            ROOM_MESSAGES,
            hub.viewers["alice"],
            hub.room,
            PageRequest(limit=10, before=NEWEST),
        )
    assert pages[1:2] == [first] and pages[0] == alone


async def test_messages_with_mentions_keep_their_place_between_plain_ones(hub: Hub) -> None:
    bodies = ["one", "two", "hey @bob", "three", "@room look", "four"]
    results = await asyncio.gather(*(hub.writer.run(hub.post("alice", b)) for b in bodies))

    assert [data["seq"] for data, _ in results] == [1, 2, 3, 4, 5, 6]
    assert [data["mentions"] for data, _ in results] == [[], [], ["bob"], [], ["bob"], []]
    assert await hub.stored() == [(body, n + 1) for n, body in enumerate(bodies)]


async def test_refusals_and_resends_inside_a_group(hub: Hub) -> None:
    before, _ = await hub.writer.run(hub.post("alice", "earlier", "used"))
    jobs = [
        hub.post("bob", "kept 1", "k-1"),
        hub.post("dave", "not a member"),  # NotFound
        hub.post("root", "an admin outside the room"),  # Forbidden: admins see, not post
        hub.post("bob", "no such room", room=hub.room + 1000),  # NotFound
        hub.post("alice", "earlier, resent", "used"),  # a resend of a stored message
        hub.post("bob", "kept 2", "k-2"),
        hub.post("bob", "kept 2, resent", "k-2"),  # a resend of one in this very group
    ]
    results = await asyncio.gather(*(hub.writer.run(job) for job in jobs), return_exceptions=True)

    kept1, dave, root, nowhere, resent, kept2, resent2 = results
    assert isinstance(dave, NotFound) and isinstance(nowhere, NotFound)
    assert isinstance(root, Forbidden)
    assert resent == (before, False)
    assert resent2 == (kept2[0], False)  # type: ignore[index]
    assert [kept1[0]["seq"], kept2[0]["seq"]] == [2, 3]  # type: ignore[index]
    assert await hub.stored() == [("earlier", 1), ("kept 1", 2), ("kept 2", 3)]
    assert await hub.events() == [1, 2, 3]


async def test_a_group_that_cannot_be_stored_together_is_stored_one_by_one(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the group's statements fail (here: after its INSERT), each message is retried
    alone: none is lost, and the seqs stay gap-free."""
    store_rows = message_bulk._INSERT.execute

    async def insert_then_fail(session: Any, rows: Any) -> None:
        await store_rows(session, rows)
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(message_bulk._INSERT, "execute", insert_then_fail)
    jobs = [hub.post("alice", f"m {n}", f"m-{n}") for n in range(5)]
    results = await asyncio.gather(*(hub.writer.run(job) for job in jobs))

    assert [data["seq"] for data, _ in results] == [1, 2, 3, 4, 5]
    assert await hub.stored() == [(f"m {n}", n + 1) for n in range(5)]
    assert await hub.events() == [1, 2, 3, 4, 5]
