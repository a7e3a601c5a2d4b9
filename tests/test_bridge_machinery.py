"""The shared bridge machinery against a platform kept in memory: the outbox filled by the
commit hook and drained per channel (order, retries, 429s, parking, restarts, unknown
outcomes), echo prevention, the inbound sink, the supervisor, and the admin API for links,
identities, bridges and deliveries."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bridges.protocol import InboundDelete, InboundEdit, InboundPost
from hub.app import create_app
from hub.appkeys import BRIDGES, DATABASE
from hub.db.models import ChatMessage, OutboxItem, TaskComment
from hub.settings import Settings
from tests.conftest import Api, UserFactory, reset_schema
from tests.memory_platform import MemoryPlatform
from tests.realtime import Team, make_team
from tests.test_webui import browser_login
from tests.test_webui_pages import form_page, submit

Client = TestClient[web.Request, web.Application]


@pytest.fixture
def world() -> MemoryPlatform:
    return MemoryPlatform()


@pytest.fixture
async def app(settings: Settings, world: MemoryPlatform) -> web.Application:
    """The test hub with the memory platform's bridge in place of Slack's."""
    await reset_schema(settings.database_url)
    settings.bridge_max_backoff_s = 0.2
    settings.outbox_poll_s = 0.2
    return create_app(settings, bridges=[world.bridge])


@pytest.fixture
async def team(make_user: UserFactory, admin: Api) -> tuple[Team, Api, Api]:
    alice, bob = await make_user("alice"), await make_user("bob")
    return await make_team(alice, bob), alice, admin


async def link(admin: Api, channel: str, **target: int) -> dict[str, Any]:
    status, body = await admin.post(
        "/api/v1/admin/links", {**target, "platform": "slack", "channel": channel}
    )
    assert status == 201, body
    return dict(body)


async def eventually(check: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def say(api: Api, room: int, body: str) -> dict[str, Any]:
    status, message = await api.post(f"/api/v1/rooms/{room}/messages", {"body": body})
    assert status == 201, message
    return dict(message)


async def test_a_linked_room_s_messages_reach_the_channel_in_order_edits_and_deletes_too(
    team: tuple[Team, Api, Api], world: MemoryPlatform
) -> None:
    (t, alice, admin) = team
    await link(admin, "C1", room=t.room)
    sent = [await say(alice, t.room, f"hello {i}") for i in range(30)]
    await eventually(lambda: len(world.texts("C1")) == 30)
    assert world.texts("C1") == [f"hello {i}" for i in range(30)]
    assert {m.author for m in world.channels["C1"]} == {"Alice"}

    assert (await alice.patch(f"/api/v1/messages/{sent[0]['id']}", {"body": "edited"}))[0] == 200
    assert (await alice.delete(f"/api/v1/messages/{sent[1]['id']}"))[0] == 200
    await eventually(lambda: world.texts("C1")[0] == "edited" and len(world.texts("C1")) == 29)


@pytest.mark.settings(bridge_concurrency=1)  # even one call at a time: a waiting channel holds none
async def test_one_rate_limited_channel_does_not_delay_another_and_retry_after_is_kept(
    team: tuple[Team, Api, Api], world: MemoryPlatform, admin: Api, make_user: UserFactory
) -> None:
    (t, alice, _) = team
    status, other = await alice.post(
        f"/api/v1/boards/{t.board}/rooms", {"name": "other", "members": []}
    )
    assert status == 201
    await link(admin, "SLOW", room=t.room)
    await link(admin, "FAST", room=other["id"])
    world.rate_per_s = 1.0
    for i in range(4):
        await say(alice, t.room, f"slow {i}")
    started = time.monotonic()
    for i in range(4):
        await say(alice, other["id"], f"fast {i}")
    await eventually(lambda: len(world.texts("FAST")) == 1)
    fast_first = time.monotonic() - started
    await eventually(lambda: len(world.texts("SLOW")) == 4, timeout_s=20)
    await eventually(lambda: len(world.texts("FAST")) == 4, timeout_s=20)
    assert fast_first < 1.0, "the fast channel waited for the slow one"
    assert world.texts("SLOW") == [f"slow {i}" for i in range(4)]
    assert world.texts("FAST") == [f"fast {i}" for i in range(4)]
    assert world.rate_violations == []


async def test_an_outage_delays_deliveries_and_loses_none(
    team: tuple[Team, Api, Api], world: MemoryPlatform
) -> None:
    (t, alice, admin) = team
    await link(admin, "C1", room=t.room)
    world.down = True
    for i in range(20):
        await say(alice, t.room, f"during {i}")
    await eventually(lambda: len(world.calls) >= 3)
    status, body = await admin.get("/api/v1/admin/bridges")
    assert status == 200
    (slack,) = body["items"]
    assert slack["platform"] == "slack" and slack["outbox_depth"] == 20
    world.down = False
    await eventually(lambda: len(world.texts("C1")) == 20, timeout_s=15)
    assert world.texts("C1") == [f"during {i}" for i in range(20)]


async def test_a_lost_answer_is_reconciled_not_posted_twice(
    team: tuple[Team, Api, Api], world: MemoryPlatform
) -> None:
    (t, alice, admin) = team
    await link(admin, "C1", room=t.room)
    world.lose_answers = 1
    await say(alice, t.room, "once")
    await say(alice, t.room, "twice")
    await eventually(lambda: len(world.texts("C1")) == 2)
    await asyncio.sleep(0.3)
    assert world.texts("C1") == ["once", "twice"]
    assert [c.outcome for c in world.calls][:2] == ["answer lost", "reconciled"]


async def test_a_delivery_that_can_never_succeed_is_parked_shown_and_retried_on_request(
    team: tuple[Team, Api, Api], world: MemoryPlatform
) -> None:
    (t, alice, admin) = team
    await link(admin, "GONE", room=t.room)
    world.gone.add("GONE")
    await say(alice, t.room, "into the void")
    await eventually(lambda: any(c.outcome == "gone" for c in world.calls))
    await asyncio.sleep(0.5)
    assert len(world.calls) == 1, "a parked delivery was retried by itself"
    status, failed = await admin.get("/api/v1/admin/deliveries?state=failed")
    assert status == 200
    (delivery,) = failed["items"]
    assert delivery["channel"] == "GONE" and delivery["last_error"] == "channel_not_found"
    assert (await admin.get("/api/v1/admin/bridges"))[1]["items"][0]["failed"] == 1

    world.gone.clear()
    assert (await admin.post(f"/api/v1/admin/deliveries/{delivery['id']}/retry"))[0] == 204
    await eventually(lambda: world.texts("GONE") == ["into the void"])
    assert (await admin.get("/api/v1/admin/deliveries?state=failed"))[1]["items"] == []
    assert (await admin.post(f"/api/v1/admin/deliveries/{delivery['id']}/retry"))[0] == 404


async def test_pending_deliveries_survive_a_restart(
    settings: Settings,
    world: MemoryPlatform,
    aiohttp_client: Callable[..., Awaitable[Client]],
    team: tuple[Team, Api, Api],
) -> None:
    (t, alice, admin) = team
    await link(admin, "C1", room=t.room)
    world.down = True
    for i in range(5):
        await say(alice, t.room, f"before restart {i}")
    await alice.client.close()  # the hub stops with 5 deliveries pending

    world.down = False
    restarted = await aiohttp_client(create_app(settings, bridges=[world.bridge]))
    await eventually(lambda: len(world.texts("C1")) == 5)
    assert world.texts("C1") == [f"before restart {i}" for i in range(5)]
    async with restarted.app[DATABASE].read() as session:
        pending = await session.scalar(
            select(func.count()).select_from(OutboxItem).where(OutboxItem.state == "pending")
        )
    assert pending == 0


async def test_a_platform_message_reaches_the_room_once_and_never_goes_back(
    team: tuple[Team, Api, Api], world: MemoryPlatform
) -> None:
    (t, alice, admin) = team
    await link(admin, "C1", room=t.room)
    await link(admin, "C2", room=t.room)
    sink = alice.client.app[BRIDGES].sink
    post = InboundPost("slack", "C1", "1700.0001", "U9", "carol", "hi from Slack")
    first = await sink.posted(post)
    again = await sink.posted(post)  # a redelivered event
    assert first is not None and first == again
    status, history = await alice.get(f"/api/v1/rooms/{t.room}/messages")
    assert status == 200
    (message,) = [m for m in history["items"] if m["source"] == "slack"]
    assert message["author"] is None and message["author_name"] == "carol (Slack)"
    await eventually(lambda: world.texts("C2") == ["hi from Slack"])
    await asyncio.sleep(0.3)
    assert world.texts("C1") == [], "the message echoed back to its own channel"

    await sink.edited(InboundEdit("slack", "C1", "1700.0001", "U9", "changed in Slack"))
    await sink.deleted(InboundDelete("slack", "C1", "1700.0001"))
    status, history = await alice.get(f"/api/v1/rooms/{t.room}/messages")
    assert status == 200
    (message,) = [m for m in history["items"] if m["source"] == "slack"]
    assert message["body"] == "" and message["edited_at"] is not None


async def test_a_linked_identity_posts_as_the_hub_user(
    team: tuple[Team, Api, Api], world: MemoryPlatform
) -> None:
    (t, alice, admin) = team
    await link(admin, "C1", room=t.room)
    status, identity = await admin.post(
        "/api/v1/admin/identities", {"username": "bob", "platform": "slack", "external_id": "UB"}
    )
    assert status == 201 and identity["username"] == "bob"
    assert (await admin.get("/api/v1/admin/identities"))[1]["items"] == [identity]
    sink = alice.client.app[BRIDGES].sink
    await sink.posted(InboundPost("slack", "C1", "1700.0002", "UB", "bobby", "it is me"))
    status, history = await alice.get(f"/api/v1/rooms/{t.room}/messages")
    assert status == 200 and history["items"][-1]["author"]["username"] == "bob"
    assert (await admin.delete(f"/api/v1/admin/identities/{identity['id']}"))[0] == 204


async def test_a_reply_in_a_task_thread_becomes_a_comment(
    team: tuple[Team, Api, Api], world: MemoryPlatform
) -> None:
    (t, alice, admin) = team
    await link(admin, "CT", board=t.board)
    status, _ = await alice.post(f"/api/v1/tasks/{t.task}/comments", {"body": "first comment"})
    assert status == 201
    await eventually(lambda: world.texts("CT") == ["first comment"])
    tools = alice.client.app[BRIDGES].sink.message_map
    await tools.record_task_thread("slack", "CT", t.task, "1700.0100")
    sink = alice.client.app[BRIDGES].sink
    reply = InboundPost("slack", "CT", "1700.0101", "U9", "carol", "a reply", thread_id="1700.0100")
    assert await sink.posted(reply) is not None
    top_level = InboundPost("slack", "CT", "1700.0102", "U9", "carol", "not in a thread")
    assert await sink.posted(top_level) is None
    async with alice.client.app[DATABASE].read() as session:
        bodies = list(await session.scalars(select(TaskComment.body).order_by(TaskComment.id)))
        in_rooms = await session.scalar(
            select(func.count()).select_from(ChatMessage).where(ChatMessage.source == "slack")
        )
    assert bodies == ["first comment", "a reply"] and in_rooms == 0


async def test_links_work_at_once_and_are_refused_clearly(
    team: tuple[Team, Api, Api], world: MemoryPlatform
) -> None:
    (t, alice, admin) = team
    made = await link(admin, "C1", room=t.room)
    assert made == {
        "id": made["id"],
        "room": t.room,
        "platform": "slack",
        "channel": "C1",
        "mode": "both",
    }
    assert (await admin.get("/api/v1/admin/links"))[1]["items"] == [made]
    assert (
        await admin.post(
            "/api/v1/admin/links", {"room": t.room, "platform": "slack", "channel": "C1"}
        )
    )[0] == 409
    assert (
        await admin.post("/api/v1/admin/links", {"room": 999, "platform": "slack", "channel": "C9"})
    )[0] == 404
    status, body = await admin.post(
        "/api/v1/admin/links",
        {"room": t.room, "board": t.board, "platform": "slack", "channel": "C9"},
    )
    assert status == 400 and body["error"]["code"] == "invalid"
    assert (await alice.get("/api/v1/admin/links"))[0] == 403

    assert (await admin.delete(f"/api/v1/admin/links/{made['id']}"))[0] == 204
    await say(alice, t.room, "after the unlink")
    await asyncio.sleep(0.3)
    assert world.texts("C1") == []
    async with alice.client.app[DATABASE].read() as session:
        queued = await session.scalar(select(func.count()).select_from(OutboxItem))
    assert queued == 0


async def test_the_supervisor_restarts_a_failed_bridge_and_reports_bad_credentials(
    team: tuple[Team, Api, Api], world: MemoryPlatform
) -> None:
    (_, alice, admin) = team
    runtime = alice.client.app[BRIDGES]
    supervisor = runtime.supervisors["slack"]
    await asyncio.wait_for(supervisor.wait_connected(), 5)
    bridge = world.made
    assert bridge is not None
    bridge.fail_starts = 2
    bridge.drop()
    await eventually(lambda: bridge.starts == 4 and supervisor.status.state == "connected")
    assert supervisor.status.last_error == "ConnectionError: platform unreachable"

    world.bad_token = True
    bridge.drop()
    await eventually(lambda: supervisor.status.state == "bad_credentials")
    (item,) = (await admin.get("/api/v1/admin/bridges"))[1]["items"]
    assert item["state"] == "bad_credentials" and item["last_error"] == "invalid_auth"


async def test_admins_see_parked_deliveries_and_bridge_state_on_the_page_and_in_metrics(
    team: tuple[Team, Api, Api], world: MemoryPlatform
) -> None:
    (t, alice, admin) = team
    await link(admin, "GONE", room=t.room)
    world.gone.add("GONE")
    await say(alice, t.room, "parked")
    await eventually(lambda: any(c.outcome == "gone" for c in world.calls))
    await asyncio.sleep(0.3)
    client = alice.client
    await browser_login(client, "root")
    page, csrf = await form_page(client, "/admin/bridges/")
    (bridge,) = page.find("data-testid", "bridge")
    assert bridge.attrs["data-platform"] == "slack" and bridge.attrs["data-state"] == "connected"
    assert "1 parked" in bridge.text
    (row,) = [e for e in page.find("data-id") if e.tag == "tr" and "channel_not_found" in e.text]
    assert "GONE" in row.text

    world.gone.clear()
    status, _, location = await submit(
        client, f"/admin/deliveries/{row.attrs['data-id']}/retry", {}, csrf
    )
    assert status == 303 and location == "/admin/bridges/"
    await eventually(lambda: world.texts("GONE") == ["parked"])

    await alice.client.app[BRIDGES].status(())
    async with client.get("/metrics") as response:
        text = await response.text()
    assert 'hub_bridge_state{platform="slack",state="connected"} 1.0' in text
    assert 'hub_bridge_deliveries_total{outcome="parked",platform="slack"} 1.0' in text


async def test_admins_link_and_unlink_identities_from_the_page(
    team: tuple[Team, Api, Api], world: MemoryPlatform
) -> None:
    (_, alice, admin) = team
    client = alice.client
    await browser_login(client, "root")
    _, csrf = await form_page(client, "/admin/bridges/")
    form = {"username": "nobody", "platform": "slack", "external_id": "UB"}
    status, refused, _ = await submit(client, "/admin/identities/", form, csrf)
    assert status == 400 and "nobody" in refused.one("role", "alert").text
    assert refused.one("name", "external_id").attrs["value"] == "UB"  # what was typed is kept
    status, _, location = await submit(
        client, "/admin/identities/", {**form, "username": "bob"}, csrf
    )
    assert (status, location) == (303, "/admin/bridges/")
    (identity,) = (await admin.get("/api/v1/admin/identities"))[1]["items"]
    assert identity | {"id": 0} == {
        "id": 0,
        "username": "bob",
        "platform": "slack",
        "external_id": "UB",
    }
    status, taken, _ = await submit(
        client, "/admin/identities/", {**form, "username": "alice"}, csrf
    )
    assert status == 409 and taken.one("role", "alert").text
    status, _, _ = await submit(client, f"/admin/identities/{identity['id']}/remove", {}, csrf)
    assert status == 303
    assert (await admin.get("/api/v1/admin/identities"))[1]["items"] == []
