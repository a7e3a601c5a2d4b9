"""The one path posts take (`Posting`) and the writer's commit hooks: what the bridges and the
outbox stand on. Posts from a platform, people's rights against a bridge's, and work that
must commit or fail with a batch."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Actor, BridgeActor
from hub.appkeys import DATABASE, POSTING, WRITER
from hub.db.models import ChatMessage, ExternalMessage, InboundEvent, StreamEvent, User
from hub.errors import Forbidden, NotFound, RateLimited
from hub.events import (
    API_ORIGIN,
    MessageCreated,
    MessageUpdated,
    NotificationCreated,
    Origin,
    room_stream,
)
from hub.services.messages import ROOM_MESSAGES
from hub.services.unit_of_work import JobEvent, UnitOfWork
from tests.conftest import Api, UserFactory
from tests.realtime import Team, connect, make_team


class Hub:
    """The test app's posting and writer, its people as actors, and a team's room."""

    def __init__(self, api: Api, team: Team, actors: dict[str, Actor]) -> None:
        self.app = api.client.app
        self.posting = self.app[POSTING]
        self.database = self.app[DATABASE]
        self.team = team
        self.actors = actors

    async def count(self, model: Any, *where: Any) -> int:
        async with self.database.read() as session:
            statement = select(func.count()).select_from(model).where(*where)
            return int(await session.scalar(statement) or 0)


@pytest.fixture
async def people(make_user: UserFactory) -> dict[str, Api]:
    return {name: await make_user(name) for name in ("alice", "bob")}


@pytest.fixture
async def hub(people: dict[str, Api], make_user: UserFactory) -> Hub:
    await make_user("root", admin=True)
    team = await make_team(people["alice"], people["bob"])
    async with people["alice"].client.app[DATABASE].read() as session:
        users = await session.scalars(select(User))
        actors = {u.username: Actor(u.id, u.username, u.display_name, u.is_admin) for u in users}
    return Hub(people["alice"], team, actors)


def slack(message_id: str, channel: str = "C0LAUNCH") -> Origin:
    return Origin("slack", channel=channel, message_id=message_id)


CAROL_ON_SLACK = BridgeActor("slack", "U0CAROL", "carol (Slack)")


class RecordingHook:
    """A commit hook that keeps what each call was given."""

    def __init__(self) -> None:
        self.calls: list[list[JobEvent]] = []

    async def __call__(self, session: AsyncSession, events: Sequence[JobEvent]) -> None:
        self.calls.append(list(events))


async def test_commit_hooks_get_each_batch_s_typed_events_with_their_origin(
    hub: Hub, people: dict[str, Api]
) -> None:
    hook = RecordingHook()
    hub.app[WRITER].add_commit_hook(hook)

    status, _ = await people["alice"].post(
        f"/api/v1/rooms/{hub.team.room}/messages", {"body": "hi @bob"}
    )
    assert status == 201
    (batch,) = hook.calls
    notified, created = sorted(batch, key=lambda e: e.recorded.stream, reverse=True)
    assert isinstance(created.event, MessageCreated) and created.event.room_id == hub.team.room
    assert isinstance(notified.event, NotificationCreated) and notified.recorded.stream == "user:2"
    assert created.origin == notified.origin == API_ORIGIN
    assert created.recorded.seq == 1 and b"origin" not in created.recorded.payload

    socket = await connect(people["bob"])
    await socket.send_message(hub.team.room, "from the socket")
    assert hook.calls[-1][0].origin == API_ORIGIN  # a bearer-token socket is an API client
    await socket.close()

    hook.calls.clear()
    batches_before = hub.app[WRITER].batch_sizes.total()
    await asyncio.gather(
        *(
            hub.posting.submit(
                ROOM_MESSAGES, hub.team.room, f"n {n}", actor=hub.actors["bob"], origin=API_ORIGIN
            )
            for n in range(30)
        )
    )
    assert len(hook.calls) == hub.app[WRITER].batch_sizes.total() - batches_before < 30
    assert sorted(e.recorded.seq for call in hook.calls for e in call) == list(range(3, 33))


async def test_a_failing_commit_hook_undoes_its_batch_and_publishes_nothing(
    hub: Hub, people: dict[str, Api]
) -> None:
    async def refuses_doomed_posts(session: AsyncSession, events: Sequence[JobEvent]) -> None:
        session.add(InboundEvent(platform="test", event_key="written by the hook"))
        await session.flush()
        if any(e.event.data.get("body") == "doomed" for e in events):
            raise RuntimeError("the hook failed")

    hub.app[WRITER].add_commit_hook(refuses_doomed_posts)
    socket = await connect(people["bob"])
    await socket.subscribe(room_stream(hub.team.room))

    with pytest.raises(RuntimeError, match="the hook failed"):
        await hub.posting.submit(
            ROOM_MESSAGES, hub.team.room, "doomed", actor=hub.actors["alice"], origin=API_ORIGIN
        )
    assert await hub.count(ChatMessage) == 0
    assert await hub.count(StreamEvent, StreamEvent.stream == room_stream(hub.team.room)) == 0
    assert await hub.count(InboundEvent) == 0
    assert [f for f in await socket.quiet() if f["type"] == "event"] == []

    kept = await hub.posting.submit(
        ROOM_MESSAGES, hub.team.room, "kept", actor=hub.actors["alice"], origin=API_ORIGIN
    )
    assert kept.post["seq"] == 1  # the undone post's seq is taken again
    (event,) = await socket.events(room_stream(hub.team.room), 1)
    assert event["data"]["body"] == "kept"
    assert await hub.count(InboundEvent) == 1
    await socket.close()


async def test_a_platform_message_is_stored_once_without_a_hub_author(hub: Hub) -> None:
    def post(origin: Origin, body: str = "hello from Slack") -> Any:
        return hub.posting.submit(
            ROOM_MESSAGES, hub.team.room, body, actor=CAROL_ON_SLACK, origin=origin
        )

    together = await asyncio.gather(*(post(slack("1700000000.000100")) for _ in range(3)))
    later = await post(slack("1700000000.000100"), "redelivered")

    assert [posted.created for posted in together] == [True, False, False]
    first = together[0].post
    assert all(posted.post == first for posted in [*together, later])
    assert first["author"] is None and first["author_name"] == "carol (Slack)"
    assert first["source"] == "slack" and first["body"] == "hello from Slack"
    # The key is the platform's (channel, message id): elsewhere it is another message.
    other_channel = await post(slack("1700000000.000100", channel="C0OTHER"))
    other_platform = await post(
        Origin("discord", channel="C0LAUNCH", message_id="1700000000.000100")
    )
    assert other_channel.created and other_platform.created
    assert await hub.count(ChatMessage) == 3
    async with hub.database.read() as session:
        copies = (await session.execute(select(ExternalMessage))).scalars().all()
    assert sorted((c.platform, c.channel, c.direction) for c in copies) == [
        ("discord", "C0LAUNCH", "in"),
        ("slack", "C0LAUNCH", "in"),
        ("slack", "C0OTHER", "in"),
    ]
    assert {c.message_id for c in copies if c.channel == "C0LAUNCH" and c.platform == "slack"} == {
        first["id"]
    }


async def test_a_linked_platform_author_posts_as_the_hub_user(hub: Hub) -> None:
    bob_on_slack = BridgeActor("slack", "U0BOB", "Bob (Slack)", user=hub.actors["bob"])
    posted = await hub.posting.submit(
        ROOM_MESSAGES, hub.team.room, "@alice look", actor=bob_on_slack, origin=slack("1.2")
    )
    assert posted.post["author"] == {"username": "bob", "display_name": "Bob"}
    assert posted.post["author_name"] == "Bob" and posted.post["mentions"] == ["alice"]


async def test_a_bridge_changes_only_what_came_from_its_platform(hub: Hub) -> None:
    room, alice = hub.team.room, hub.actors["alice"]
    from_slack = (
        await hub.posting.submit(ROOM_MESSAGES, room, "v1", actor=CAROL_ON_SLACK, origin=slack("1"))
    ).post
    from_hub = (
        await hub.posting.submit(ROOM_MESSAGES, room, "mine", actor=alice, origin=API_ORIGIN)
    ).post
    discord = BridgeActor("discord", "42", "carol (Discord)")

    edited = await hub.posting.edit(
        ROOM_MESSAGES, from_slack["id"], "v2", actor=CAROL_ON_SLACK, origin=slack("1")
    )
    assert edited["body"] == "v2" and edited["edited_at"] is not None
    refused = [
        hub.posting.edit(ROOM_MESSAGES, from_slack["id"], "x", actor=discord, origin=API_ORIGIN),
        hub.posting.edit(
            ROOM_MESSAGES, from_hub["id"], "x", actor=CAROL_ON_SLACK, origin=API_ORIGIN
        ),
        hub.posting.delete(ROOM_MESSAGES, from_hub["id"], actor=CAROL_ON_SLACK, origin=API_ORIGIN),
        hub.posting.edit(ROOM_MESSAGES, from_slack["id"], "x", actor=alice, origin=API_ORIGIN),
    ]
    for attempt in refused:
        with pytest.raises(Forbidden):
            await attempt
    deleted = await hub.posting.delete(
        ROOM_MESSAGES, from_slack["id"], actor=CAROL_ON_SLACK, origin=slack("1")
    )
    assert deleted["deleted_at"] is not None and deleted["body"] == ""
    with pytest.raises(NotFound):
        await hub.posting.submit(
            ROOM_MESSAGES, room + 1000, "nowhere", actor=CAROL_ON_SLACK, origin=slack("2")
        )


async def test_extra_work_commits_with_the_post_or_not_at_all(hub: Hub) -> None:
    async def remember(unit: UnitOfWork, post: dict[str, Any]) -> None:
        unit.session.add(InboundEvent(platform="slack", event_key=f"post {post['id']}"))
        await unit.session.flush()
        if post["body"] == "doomed":
            raise RuntimeError("the extra work failed")

    async def post(body: str, message_id: str) -> Any:
        return await hub.posting.submit(
            ROOM_MESSAGES,
            hub.team.room,
            body,
            actor=CAROL_ON_SLACK,
            origin=slack(message_id),
            also=remember,
        )

    with pytest.raises(RuntimeError):
        await post("doomed", "1")
    assert (await hub.count(ChatMessage), await hub.count(InboundEvent)) == (0, 0)
    kept = await post("kept", "2")
    resent = await post("kept", "2")  # a resend stores nothing, so its extra work does not run
    assert kept.created and not resent.created
    assert (await hub.count(ChatMessage), await hub.count(InboundEvent)) == (1, 1)


@pytest.mark.settings(send_rate_per_minute=2)
async def test_people_s_sends_are_limited_a_bridge_s_are_not(hub: Hub) -> None:
    for n in range(2):
        await hub.posting.submit(
            ROOM_MESSAGES, hub.team.room, f"{n}", actor=hub.actors["alice"], origin=API_ORIGIN
        )
    with pytest.raises(RateLimited):
        await hub.posting.submit(
            ROOM_MESSAGES, hub.team.room, "3", actor=hub.actors["alice"], origin=API_ORIGIN
        )
    for n in range(5):
        await hub.posting.submit(
            ROOM_MESSAGES, hub.team.room, f"{n}", actor=CAROL_ON_SLACK, origin=slack(f"{n}")
        )
    assert await hub.count(ChatMessage) == 7


async def test_an_edit_event_carries_its_origin(hub: Hub) -> None:
    hook = RecordingHook()
    hub.app[WRITER].add_commit_hook(hook)
    posted = await hub.posting.submit(
        ROOM_MESSAGES, hub.team.room, "v1", actor=CAROL_ON_SLACK, origin=slack("9")
    )
    await hub.posting.edit(
        ROOM_MESSAGES, posted.post["id"], "v2", actor=CAROL_ON_SLACK, origin=slack("9")
    )
    created, updated = (call[0] for call in hook.calls)
    assert isinstance(created.event, MessageCreated) and isinstance(updated.event, MessageUpdated)
    assert created.origin == updated.origin == slack("9")
