"""/metrics as the operator of a real-time hub reads it (issue 12): open sockets and streams,
events published and delivered, replays, resets and gap fills, write batches and their commit
time, refused frames and rate-limited sends, why sockets ended, and the event loop's lag."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession

import hub.app
from hub.appkeys import CONNECTIONS, WRITER
from hub.broker import BrokerMessage
from hub.services.unit_of_work import JobEvent
from tests.brokers import Bus
from tests.conftest import Api, UserFactory
from tests.realtime import connect, make_team
from tests.test_webui import browser_login, get_page, page_csrf
from tests.test_ws import raw_socket_that_never_reads

Client = TestClient[web.Request, web.Application]
KINDS = ("board", "room", "task", "user")
README = Path(__file__).resolve().parent.parent / "README.md"


@dataclass
class Scrape:
    """One reading of /metrics: a sample's value by its name and labels (0 when absent)."""

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]
    families: set[str]

    def __call__(self, name: str, **labels: str) -> float:
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def by_kind(self, name: str) -> list[float]:
        return [self(name, kind=kind) for kind in KINDS]


async def scrape(api: Api) -> Scrape:
    async with api.client.get("/metrics") as response:
        assert response.status == 200
        text = await response.text()
    families = list(text_string_to_metric_families(text))
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in families
        for sample in family.samples
    }
    return Scrape(samples, {family.name for family in families})


async def scrape_until(api: Api, done: Callable[[Scrape], bool], timeout: float = 5.0) -> Scrape:
    """Scrape until `done` holds of the reading (what a socket's end does, the hub does soon)."""
    async with asyncio.timeout(timeout):
        while not done(reading := await scrape(api)):  # noqa: ASYNC110  # nothing to wait on
            await asyncio.sleep(0.02)
    return reading


def changed(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    return after(name, **labels) - before(name, **labels)


@pytest.fixture
async def trio(make_user: UserFactory) -> tuple[Api, Api, Api]:
    return await make_user("alice"), await make_user("bob"), await make_user("carol")


async def test_open_sockets_streams_and_subscriptions_are_gauges(
    trio: tuple[Api, Api, Api], anonymous: Api
) -> None:
    alice, bob, _ = trio
    team = await make_team(alice, bob)
    a, b = await connect(alice), await connect(bob)
    await a.subscribe(f"room:{team.room}")
    await b.subscribe(f"room:{team.room}")
    await b.subscribe(f"task:{team.task}")
    now = await scrape(anonymous)
    assert now("hub_ws_connections") == 2 and now("hub_ws_opened_total") == 2
    assert now.by_kind("hub_streams_open") == [0, 1, 1, 2]
    assert now.by_kind("hub_ws_subscriptions") == [0, 2, 1, 2]
    assert now("hub_ws_closed_total", reason="client") == 0

    await b.close()
    after = await scrape_until(anonymous, lambda s: s("hub_ws_connections") == 1)
    assert after("hub_ws_closed_total", reason="client") == 1
    assert after.by_kind("hub_streams_open") == [0, 1, 0, 1]
    assert after.by_kind("hub_ws_subscriptions") == [0, 1, 0, 1]
    assert after("hub_ws_opened_total") == 2
    await a.close()


@pytest.mark.settings(presence_interval_s=3600)  # no presence frame among the deliveries
async def test_an_event_is_published_once_and_delivered_once_per_socket(
    trio: tuple[Api, Api, Api], anonymous: Api
) -> None:
    alice, bob, carol = trio
    team = await make_team(alice, bob, carol)
    stream = f"room:{team.room}"
    sockets = [await connect(alice), await connect(bob), await connect(carol)]
    for socket in sockets:
        await socket.subscribe(stream)
    sender = await connect(alice)  # not on the room: what it reads is its own
    before = await scrape(anonymous)

    status, _ = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": "over HTTP"})
    assert status == 201
    await sender.send_message(team.room, "over the socket")
    await sockets[1].send(type="typing", stream=stream)  # ephemeral, delivered all the same
    for socket in sockets:
        await socket.events(stream, 2)
        await socket.receive_until("typing")
    status, _ = await alice.post(f"/api/v1/tasks/{team.task}/comments", {"body": "nobody on it"})
    assert status == 201
    after = await scrape(anonymous)
    assert [changed(before, after, "hub_events_published_total", kind=k) for k in KINDS] == [
        0,
        2,
        1,
        0,
    ]
    assert changed(before, after, "hub_deliveries_total") == 3 * 3
    for socket in [*sockets, sender]:
        await socket.close()


async def test_a_resume_is_a_replay_and_a_since_beyond_the_stream_a_reset(
    make_user: UserFactory, anonymous: Api
) -> None:
    alice = await make_user("alice")
    team = await make_team(alice)
    stream = f"room:{team.room}"
    a = await connect(alice)
    seen = (await a.subscribe(stream))["seq"]
    for n in range(3):
        status, _ = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": f"{n}"})
        assert status == 201
    await a.events(stream, 3)
    before = await scrape(anonymous)

    resumed = await connect(alice)
    assert (await resumed.subscribe(stream, since=seen))["seq"] == seen + 3
    ahead = await connect(alice)
    await ahead.send(type="subscribe", stream=stream, since=seen + 10)
    await ahead.receive_until("reset", stream=stream)
    after = await scrape(anonymous)
    assert changed(before, after, "hub_replays_total") == 1
    assert changed(before, after, "hub_replayed_events_total") == 3
    assert changed(before, after, "hub_resets_total") == 1
    assert changed(before, after, "hub_deliveries_total") == 0
    for socket in (a, resumed, ahead):
        await socket.close()


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> Bus:
    """A broker that can lose messages, as Redis pub/sub may; asked for before the app is made."""
    bus = Bus()
    monkeypatch.setattr(hub.app, "InProcessBroker", bus.broker)
    return bus


@pytest.mark.settings(presence_interval_s=3600)
async def test_an_event_the_broker_lost_is_a_gap_filled_from_storage(
    bus: Bus, make_user: UserFactory, anonymous: Api
) -> None:
    alice = await make_user("alice")
    team = await make_team(alice)
    stream = f"room:{team.room}"
    a = await connect(alice)
    head = (await a.subscribe(stream))["seq"]
    before = await scrape(anonymous)

    def lose_the_first(message: BrokerMessage) -> bool:
        return message.stream == stream and message.seq == head + 1

    bus.drop = lose_the_first
    for body in ("lost by the broker", "carried"):
        status, _ = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": body})
        assert status == 201
    events = await a.events(stream, 2)
    assert [event["seq"] for event in events] == [head + 1, head + 2] and len(bus.dropped) == 1
    after = await scrape(anonymous)
    assert changed(before, after, "hub_gap_fills_total") == 1
    assert changed(before, after, "hub_deliveries_total") == 2
    assert changed(before, after, "hub_events_published_total", kind="room") == 2
    await a.close()


async def test_write_batches_their_commit_time_and_failed_writes(
    client: Client, make_user: UserFactory, anonymous: Api
) -> None:
    alice = await make_user("alice")
    team = await make_team(alice)
    messages = f"/api/v1/rooms/{team.room}/messages"
    before = await scrape(anonymous)
    statuses = await asyncio.gather(*(alice.post(messages, {"body": f"{n}"}) for n in range(20)))
    assert [status for status, _ in statuses] == [201] * 20
    after = await scrape(anonymous)
    batches = changed(before, after, "hub_write_batch_size_count")
    assert changed(before, after, "hub_write_batch_size_sum") == 20  # jobs
    assert 1 <= batches <= 20
    assert after("hub_write_batch_size_bucket", le="+Inf") == after("hub_write_batch_size_count")
    assert after("hub_write_batch_size_bucket", le="1.0") <= after("hub_write_batch_size_count")
    assert changed(before, after, "hub_commit_seconds_count") == batches
    assert changed(before, after, "hub_commit_seconds_sum") > 0

    async def fails_doomed_posts(_session: AsyncSession, events: Sequence[JobEvent]) -> None:
        if any(event.event.data.get("body") == "doomed" for event in events):
            raise RuntimeError("the hook failed")

    client.app[WRITER].add_commit_hook(fails_doomed_posts)
    assert (await alice.post("/api/v1/rooms/987654/messages", {"body": "nowhere"}))[0] == 404
    assert (await alice.post(messages, {"body": "doomed"}))[0] == 500
    failed = await scrape(anonymous)
    assert changed(after, failed, "hub_write_failures_total") == 1  # not the refusal: the 500
    assert changed(after, failed, "hub_write_batch_size_count") == 0  # neither committed
    assert changed(after, failed, "hub_commit_seconds_count") == 0


@pytest.mark.settings(ws_max_invalid_frames=3, max_message_bytes=64)
async def test_rejected_frames_are_counted_by_code_and_too_many_invalid_ones_close(
    trio: tuple[Api, Api, Api], anonymous: Api
) -> None:
    alice, bob, _ = trio
    team, bobs = await make_team(alice), await make_team(bob)
    a = await connect(alice)
    before = await scrape(anonymous)
    await a.send(type="subscribe", stream=f"room:{bobs.room}")
    assert (await a.receive_until("error"))["code"] == "not_found"
    client_id = str(uuid.uuid4())
    await a.send(type="message.send", room=team.room, body="x" * 65, client_id=client_id)
    assert (await a.receive_until("error", client_id=client_id))["code"] == "too_large"
    await a.send(type="ping")
    await a.receive_until("pong")
    await a.ws.send_str("not JSON")
    assert (await a.receive_until("error"))["code"] == "invalid"
    after = await scrape(anonymous)
    assert changed(before, after, "hub_ws_frames_received_total") == 4
    rejected = {
        code: changed(before, after, "hub_ws_frames_rejected_total", code=code)
        for code in ("forbidden", "invalid", "not_found", "rate_limited", "too_large")
    }
    assert rejected == {
        "forbidden": 0,
        "invalid": 1,
        "not_found": 1,
        "rate_limited": 0,
        "too_large": 1,
    }

    await a.ws.send_str('{"type": "no.such.frame"}')
    await a.ws.send_str("[]")  # the third invalid frame in a row
    await a.until_closed()
    closed = await scrape_until(
        anonymous, lambda s: s("hub_ws_closed_total", reason="invalid_frames") == 1
    )
    assert changed(after, closed, "hub_ws_frames_rejected_total", code="invalid") == 2
    assert changed(after, closed, "hub_ws_frames_received_total") == 2
    assert closed("hub_ws_connections") == 0


@pytest.mark.settings(ws_frames_per_second=5, ws_frame_burst=10)
async def test_a_socket_over_its_frame_budget_is_counted_rate_limited_and_closed(
    make_user: UserFactory, anonymous: Api
) -> None:
    a = await connect(await make_user("alice"))
    for _ in range(30):
        await a.send(type="ping")
    frames, _ = await a.until_closed()
    after = await scrape_until(
        anonymous, lambda s: s("hub_ws_closed_total", reason="frame_budget") == 1
    )
    answered = len([frame for frame in frames if frame["type"] == "pong"])
    assert after("hub_ws_frames_received_total") == answered + 1  # and the one refused
    assert after("hub_ws_frames_rejected_total", code="rate_limited") == 1
    assert after("hub_rate_limited_total", via="ws", what="frames") == 1


@pytest.mark.settings(send_rate_per_minute=1, login_failures_per_minute=1)
async def test_rate_limited_sends_and_logins_are_counted_by_how_they_came(
    client: Client, make_user: UserFactory, anonymous: Api
) -> None:
    alice = await make_user("alice")
    team = await make_team(alice)
    a = await connect(alice)
    await a.send_message(team.room, "the one send a minute allows")
    client_id = str(uuid.uuid4())
    await a.send(type="message.send", room=team.room, body="too soon", client_id=client_id)
    assert (await a.receive_until("error", client_id=client_id))["code"] == "rate_limited"
    messages = f"/api/v1/rooms/{team.room}/messages"
    assert (await alice.post(messages, {"body": "too soon"}))[0] == 429
    await browser_login(client, "alice")
    _, page, _ = await get_page(client, f"/messaging/room/{team.room}/")
    form = {"body": "too soon", "csrf_token": page_csrf(page)}
    async with client.post(f"/messaging/room/{team.room}/", data=form) as response:
        assert response.status == 429
    client.session.cookie_jar.clear()
    wrong = {"username": "alice", "password": "wrong"}
    assert (await anonymous.post("/api/v1/auth/login", wrong))[0] == 401  # the one failure
    assert (await anonymous.post("/api/v1/auth/login", wrong))[0] == 429
    async with client.post("/login", data={**wrong, "next": "/"}) as response:
        assert response.status == 429

    after = await scrape(anonymous)
    limited = {
        (labels["via"], labels["what"]): value
        for (name, label_set), value in after.samples.items()
        if name == "hub_rate_limited_total" and (labels := dict(label_set))
    }
    assert limited == {
        ("ws", "message.send"): 1,
        ("http", "/api/v1/rooms/{id}/messages"): 1,
        ("form", "/messaging/room/{id}/"): 1,
        ("http", "/api/v1/auth/login"): 1,
        ("form", "/login"): 1,
    }
    assert after("hub_ws_frames_rejected_total", code="rate_limited") == 1
    await a.close()


@pytest.mark.settings(ws_send_buffer_bytes=65_536, send_rate_per_minute=0, send_bytes_per_minute=0)
async def test_a_slow_consumer_disconnect_is_counted(
    trio: tuple[Api, Api, Api], anonymous: Api
) -> None:
    alice, _, carol = trio
    team = await make_team(alice, carol)
    slow = await raw_socket_that_never_reads(carol, f"room:{team.room}")
    body = "y" * 15000
    for n in range(300):
        status, _ = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": body})
        assert status == 201
        if n % 10 == 9 and (await scrape(anonymous))("hub_ws_connections") == 0:
            break
    assert await slow.closed_within(10)
    after = await scrape(anonymous)
    assert after("hub_ws_closed_total", reason="slow_consumer") == 1
    assert after("hub_ws_closed_total", reason="client") == 0


@pytest.mark.settings(ws_heartbeat_s=0.2)
async def test_a_missed_heartbeat_and_an_ended_session_are_counted(
    make_user: UserFactory, anonymous: Api
) -> None:
    alice = await make_user("alice")
    silent = await alice.client.ws_connect("/ws", headers=alice.headers(), autoping=False)
    await scrape_until(
        anonymous, lambda s: s("hub_ws_closed_total", reason="heartbeat_missed") == 1
    )
    await silent.close()

    bob = await make_user("bob")
    b = await connect(bob)
    reading = asyncio.create_task(b.until_closed())  # reads, so it answers the heartbeat
    assert (await bob.post("/api/v1/auth/logout"))[0] == 204
    await reading
    after = await scrape_until(
        anonymous, lambda s: s("hub_ws_closed_total", reason="session_ended") == 1
    )
    assert after("hub_ws_closed_total", reason="heartbeat_missed") == 1
    assert after("hub_ws_connections") == 0


async def test_a_blocked_event_loop_shows_as_lag(anonymous: Api) -> None:
    ticks = "hub_event_loop_lag_seconds_count"
    before = await scrape(anonymous)
    time.sleep(1.2)  # noqa: ASYNC251  # blocks the hub's loop, as a blocking call in it would
    after = await scrape_until(anonymous, lambda s: s(ticks) > before(ticks))

    def late(reading: Scrape) -> float:
        """Observations of more than half a second."""
        return reading(ticks) - reading("hub_event_loop_lag_seconds_bucket", le="0.5")

    assert late(after) - late(before) >= 1
    assert changed(before, after, "hub_event_loop_lag_seconds_sum") >= 0.7


async def test_the_readme_lists_every_metric_of_the_hub(anonymous: Api) -> None:
    listed = set(re.findall(r"^\| `(hub_[a-z_]+)`", README.read_text(), re.MULTILINE))
    families = (await scrape(anonymous)).families
    # The parser names a counter's family without its _total, and reads the _created series
    # prometheus_client adds to its own histograms as families of their own.
    served = {name for name in families if not name.endswith("_created")}
    assert {name.removesuffix("_total") for name in listed} == served


async def test_sockets_closed_by_a_shutdown_are_counted_as_such(
    client: Client, make_user: UserFactory, anonymous: Api
) -> None:
    sockets = [await connect(await make_user(name)) for name in ("alice", "bob")]
    await client.app[CONNECTIONS].shut_down()  # what the server's shutdown does first
    for socket in sockets:
        await socket.until_closed()
    after = await scrape_until(anonymous, lambda s: s("hub_ws_connections") == 0)
    assert after("hub_ws_closed_total", reason="shutdown") == 2
    assert after("hub_ws_closed_total", reason="client") == 0
