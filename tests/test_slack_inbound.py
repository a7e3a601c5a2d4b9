"""Slack → hub through the bridge, against the fake Slack: messages, thread replies, edits and
deletes reaching WebSocket subscribers; mentions; echo and redelivery; catch-up after an
outage; `/taskflow link CODE`; a refused app token; the Events API over HTTP."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from pydantic import AnyHttpUrl, SecretStr
from sqlalchemy import update

from bridges.slack.commands import UNKNOWN_CODE
from hub.app import create_app
from hub.appkeys import BRIDGES, DATABASE
from hub.db.models import LinkCode
from hub.settings import Settings
from tests.conftest import Api, reset_schema
from tests.fake_slack import FakeSlack
from tests.fake_slack.events_http import sign
from tests.realtime import Team, connect
from tests.test_slack_bridge import eventually, linked, slack  # noqa: F401 (fixtures)
from tests.test_webui import Html, browser_login, get_page, page_csrf

SIGNING_SECRET = "fake-signing-secret"
Linked = tuple[Team, Api, str]


@pytest.fixture
async def app(
    settings: Settings,
    slack: FakeSlack,  # noqa: F811
    request: pytest.FixtureRequest,
) -> web.Application:
    """The test hub with its Slack bridge on against the fake Slack: in Socket Mode, or over
    the Events API when parametrized with "http" (a signing secret and no app token)."""
    await reset_schema(settings.database_url)
    http = getattr(request, "param", "socket") == "http"
    slack_settings = settings.model_copy(
        update={
            "slack_bot_token": SecretStr(slack.bot_token),
            "slack_app_token": None if http else SecretStr(slack.app_token),
            "slack_signing_secret": SecretStr(SIGNING_SECRET) if http else None,
            "slack_api_url": AnyHttpUrl(slack.api_url),
            "bridge_max_backoff_s": 0.5,
            "outbox_poll_s": 0.2,
        }
    )
    return create_app(slack_settings)


async def room_messages(api: Api, room: int) -> list[dict[str, Any]]:
    status, page = await api.get(f"/api/v1/rooms/{room}/messages")
    assert status == 200, page
    return list(reversed(page["items"])) if _newest_first(page["items"]) else page["items"]


def _newest_first(items: list[dict[str, Any]]) -> bool:
    return len(items) > 1 and items[0]["id"] > items[-1]["id"]


async def slack_bodies(api: Api, room: int) -> list[str]:
    return [m["body"] for m in await room_messages(api, room) if m["source"] == "slack"]


async def until(check: Any, timeout_s: float = 10.0) -> Any:
    """Await `check()` until it returns something true; that value."""
    deadline = time.monotonic() + timeout_s
    while not (found := await check()):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
    return found


async def test_slack_messages_edits_and_deletes_reach_room_subscribers(
    linked: Linked,  # noqa: F811
    slack: FakeSlack,  # noqa: F811
) -> None:
    team, alice, channel = linked
    socket = await connect(alice)
    stream = f"room:{team.room}"
    await socket.subscribe(stream)
    carol = slack.add_user("carol", real_name="Carol")

    ts = await slack.user_posts(channel, carol, "hello *hub*")
    [created] = await socket.events(stream, 1)
    assert created["event"] == "message.created"
    message = created["data"]
    assert (message["source"], message["body"], message["author"]) == (
        "slack",
        "hello **hub**",
        None,
    )
    assert message["author_name"] == "carol (Slack)"  # the profile's display name

    await slack.user_edits(channel, ts, "hello again")
    [updated] = await socket.events(stream, 1)
    assert updated["event"] == "message.updated"
    assert (updated["data"]["id"], updated["data"]["body"]) == (message["id"], "hello again")

    await slack.user_deletes(channel, ts)
    [deleted] = await socket.events(stream, 1)
    assert deleted["event"] == "message.deleted"
    assert deleted["data"]["id"] == message["id"]
    await socket.close()


async def test_a_linked_slack_user_is_the_author_and_a_mention_notifies(
    linked: Linked,  # noqa: F811
    slack: FakeSlack,  # noqa: F811
    admin: Api,
) -> None:
    team, alice, channel = linked
    slack_alice = slack.add_user("alice.s", real_name="Alice S")
    slack_dave = slack.add_user("dave", real_name="Dave")
    status, body = await admin.post(
        "/api/v1/admin/identities",
        {"username": "alice", "platform": "slack", "external_id": slack_alice},
    )
    assert status == 201, body
    await slack.user_posts(channel, slack_alice, "from me")
    await slack.user_posts(channel, slack_dave, f"thanks <@{slack_alice}> and <@{slack_dave}>")

    found = await until(lambda: _slack_messages(alice, team.room, 2))
    mine, daves = found
    assert mine["author"] == {"username": "alice", "display_name": "Alice"}
    assert daves["author"] is None and daves["author_name"] == "dave (Slack)"
    assert daves["body"].startswith("thanks @alice and @")
    assert daves["mentions"] == ["alice"]

    async def mentions() -> list[dict[str, Any]]:
        status, page = await alice.get("/api/v1/notifications")
        assert status == 200
        return [n for n in page["items"] if n["kind"] == "mention"]

    [note] = await until(mentions)
    assert note["target"]["id"] == daves["id"]


async def _slack_messages(api: Api, room: int, count: int) -> list[dict[str, Any]] | None:
    found = [m for m in await room_messages(api, room) if m["source"] == "slack"]
    return found if len(found) >= count else None


async def test_thread_replies_become_room_messages_or_task_comments(
    linked: Linked,  # noqa: F811
    slack: FakeSlack,  # noqa: F811
    admin: Api,
    app: web.Application,
) -> None:
    team, alice, channel = linked
    carol = slack.add_user("carol", real_name="Carol")
    parent = await slack.user_posts(channel, carol, "a question")
    await until(lambda: _slack_messages(alice, team.room, 1))
    await slack.user_posts(channel, carol, "an answer", thread_ts=parent)
    question, answer = await until(lambda: _slack_messages(alice, team.room, 2))
    assert answer["body"].startswith("↳ *reply in a thread to [this message](")
    assert f"#message-{question['id']}" in answer["body"]
    assert answer["body"].endswith("an answer")

    tasks_channel = slack.add_channel("tasks")
    status, body = await admin.post(
        "/api/v1/admin/links", {"board": team.board, "platform": "slack", "channel": tasks_channel}
    )
    assert status == 201, body
    task_parent = await slack.user_posts(tasks_channel, carol, "Task #1: the parent")
    await app[BRIDGES].sink.message_map.record_task_thread(
        "slack", tasks_channel, team.task, task_parent
    )
    await slack.user_posts(tasks_channel, carol, "done it", thread_ts=task_parent)

    async def comments() -> list[dict[str, Any]]:
        status, page = await alice.get(f"/api/v1/tasks/{team.task}/comments")
        assert status == 200
        return list(page["items"])

    [comment] = await until(comments)
    assert (comment["body"], comment["source"], comment["author_name"]) == (
        "done it",
        "slack",
        "carol (Slack)",
    )
    assert await slack_bodies(alice, team.room) == ["a question", answer["body"]]


async def test_nothing_the_bridge_posts_comes_back_and_a_redelivery_is_stored_once(
    linked: Linked,  # noqa: F811
    slack: FakeSlack,  # noqa: F811
) -> None:
    team, alice, channel = linked
    status, _ = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": "from the hub"})
    assert status == 201
    await eventually(lambda: [m.text for m in slack.messages(channel)] == ["from the hub"])
    await slack.wait_until(lambda: slack.deliveries and slack.deliveries[-1].acked)

    carol = slack.add_user("carol", real_name="Carol")
    await slack.user_posts(channel, carol, "once")
    await slack.wait_until(lambda: slack.deliveries[-1].acked, what="the ack")
    await slack.socket.enqueue("events_api", slack.deliveries[-1].payload)  # Slack's redelivery
    await slack.wait_until(lambda: slack.deliveries[-1].acked, what="the redelivery's ack")
    await asyncio.sleep(0.3)
    bodies = [m["body"] for m in await room_messages(alice, team.room)]
    assert bodies == ["from the hub", "once"]


async def test_messages_written_while_disconnected_arrive_once_in_order(
    linked: Linked,  # noqa: F811
    slack: FakeSlack,  # noqa: F811
) -> None:
    team, alice, channel = linked
    carol = slack.add_user("carol", real_name="Carol")
    await slack.user_posts(channel, carol, "before")
    await until(lambda: _slack_messages(alice, team.room, 1))
    supervisor = alice.client.app[BRIDGES].supervisors["slack"]
    expected = ["before"]

    for outage, redelivered in (("a", False), ("b", True)):
        slack.down()  # the socket cut, reconnections refused
        await eventually(lambda: supervisor.status.state == "reconnecting")
        written = [f"{outage}{n}" for n in range(5)]
        parent = ""
        for n, text in enumerate(written):
            ts = await slack.user_posts(channel, carol, text, thread_ts=parent or None)
            parent = parent or (ts if n == 2 else "")  # the last two reply in a thread
        if not redelivered:
            slack.socket.deliveries.clear()  # Slack kept nothing to redeliver: catch-up only
        slack.up()
        await eventually(lambda: supervisor.status.state == "connected")
        expected += written
        count = len(expected)
        await until(lambda: _slack_messages(alice, team.room, count))  # noqa: B023
        await asyncio.sleep(0.3)
        bodies = [line.rsplit("\n", 1)[-1] for line in await slack_bodies(alice, team.room)]
        assert bodies == expected


async def test_taskflow_link_links_once_and_refuses_used_or_expired_codes(
    linked: Linked,  # noqa: F811
    slack: FakeSlack,  # noqa: F811
    app: web.Application,
) -> None:
    team, alice, channel = linked
    carol = slack.add_user("carol", real_name="Carol")
    status, issued = await alice.post("/api/v1/me/link-code")
    assert status == 201, issued
    assert len(issued["code"]) == 8 and not set(issued["code"]) & set("01OIL")
    expires = datetime.fromisoformat(issued["expires_at"])
    assert timedelta(seconds=590) < expires - datetime.now(expires.tzinfo) <= timedelta(seconds=600)

    await slack.user_runs_command("/taskflow", f"link {issued['code'].lower()}", carol, channel)
    await slack.wait_until(lambda: len(slack.ephemerals) == 1, what="the answer")
    assert "Linked to alice on TaskFlow Hub." in str(slack.ephemerals[0])
    await slack.user_posts(channel, carol, "now as alice")
    [message] = await until(lambda: _slack_messages(alice, team.room, 1))
    assert message["author"] == {"username": "alice", "display_name": "Alice"}

    dave = slack.add_user("dave", real_name="Dave")
    await slack.user_runs_command("/taskflow", f"link {issued['code']}", dave, channel)
    await slack.wait_until(lambda: len(slack.ephemerals) == 2, what="the second answer")
    assert UNKNOWN_CODE in str(slack.ephemerals[1])  # a code works once

    status, second = await alice.post("/api/v1/me/link-code")
    assert status == 201
    async with app[DATABASE].write() as session:
        await session.execute(update(LinkCode).values(expires_at=datetime(2000, 1, 1, tzinfo=UTC)))
    await slack.user_runs_command("/taskflow", f"link {second['code']}", dave, channel)
    await slack.wait_until(lambda: len(slack.ephemerals) == 3, what="the third answer")
    assert UNKNOWN_CODE in str(slack.ephemerals[2])  # expired


async def test_link_code_needs_a_login(linked: Linked, slack: FakeSlack) -> None:  # noqa: F811
    _, alice, _ = linked
    status, body = await Api(alice.client).post("/api/v1/me/link-code")
    assert status == 401 and body["error"]["code"] == "unauthenticated"


async def test_a_refused_app_token_is_reported_without_a_tight_loop(
    slack: FakeSlack,  # noqa: F811
    app: web.Application,
    admin: Api,
) -> None:
    supervisor = app[BRIDGES].supervisors["slack"]
    await asyncio.wait_for(supervisor.wait_connected(), 10)
    slack.workspace.app_token = "xapp-revoked"  # the hub still has the old one
    slack.drop_socket()
    await eventually(lambda: supervisor.status.state == "bad_credentials")
    status, page = await admin.get("/api/v1/admin/bridges")
    assert status == 200
    [bridge] = page["items"]
    assert bridge["state"] == "bad_credentials" and "invalid_auth" in bridge["last_error"]
    before = len(slack.calls)
    await asyncio.sleep(2)
    assert len(slack.calls) - before <= 10  # a try per HUB_BRIDGE_MAX_BACKOFF_S (0.5 s here)


@pytest.mark.parametrize("app", ["http"], indirect=True)
async def test_events_api_over_http(
    linked: Linked,  # noqa: F811
    slack: FakeSlack,  # noqa: F811
) -> None:
    team, alice, channel = linked
    url = str(alice.client.make_url("/bridges/slack/events"))
    carol = slack.add_user("carol", real_name="Carol")
    socket = await connect(alice)
    stream = f"room:{team.room}"
    await socket.subscribe(stream)

    slack.deliver_events_to(url, SIGNING_SECRET)
    assert await slack.url_verification()
    ts = await slack.user_posts(channel, carol, "over http")
    [created] = await socket.events(stream, 1)
    assert (created["event"], created["data"]["source"]) == ("message.created", "slack")
    await slack.user_edits(channel, ts, "over http, edited")
    [updated] = await socket.events(stream, 1)
    assert updated["data"]["body"] == "over http, edited"

    assert slack.http_events is not None
    for attempt in [a for a in slack.http_attempts if a.kind == "event"]:  # Slack's retries
        retry = await slack.http_events._attempt("event", attempt.body, "application/json", 1)
        assert retry.status == 200
    assert [f for f in await socket.quiet() if f["type"] == "event"] == []
    assert await slack_bodies(alice, team.room) == ["over http, edited"]

    stale = str(int(time.time()) - 6 * 60)
    body = slack.http_attempts[-1].body
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stale,
        "X-Slack-Signature": sign(SIGNING_SECRET, stale, body),
    }
    async with alice.client.post("/bridges/slack/events", data=body, headers=headers) as answer:
        assert answer.status == 401

    slack.deliver_events_to(url, "not-the-secret")
    await slack.user_posts(channel, carol, "forged")
    await slack.wait_until(lambda: slack.http_attempts and slack.http_attempts[0].status == 401)
    assert [f for f in await socket.quiet() if f["type"] == "event"] == []
    assert await slack_bodies(alice, team.room) == ["over http, edited"]
    await socket.close()


async def test_the_settings_page_shows_a_code_that_links(
    linked: Linked,  # noqa: F811
    slack: FakeSlack,  # noqa: F811
) -> None:
    _, alice, channel = linked
    client = alice.client
    await browser_login(client, "alice")
    status, page, _ = await get_page(client, "/settings/")
    assert (
        status == 200 and "Link Slack or Discord" in page.one("data-testid", "link-code-form").text
    )
    fields = {"csrf_token": page_csrf(page)}
    async with client.post("/settings/link-code", data=fields, allow_redirects=False) as answer:
        assert answer.status == 200
        shown = Html(await answer.text())
    code = shown.one("data-testid", "link-code").text.strip()
    assert f"/taskflow link {code}" in shown.one("data-testid", "link-code-form").text

    carol = slack.add_user("carol", real_name="Carol")
    await slack.user_runs_command("/taskflow", f"link {code}", carol, channel)
    await slack.wait_until(lambda: len(slack.ephemerals) == 1, what="the answer")
    assert "Linked to alice on TaskFlow Hub." in str(slack.ephemerals[0])
