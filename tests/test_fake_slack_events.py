"""The fake Slack delivers events the way Slack does, to the unmodified slack-bolt AsyncApp with
AsyncSocketModeHandler (envelopes, acks, redelivery, reconnects) and over HTTP to an Events API
endpoint (signatures slack_sdk verifies, retries)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.fake_slack import FakeSlack, clear_proxy_env
from tests.served import free_port

SIGNING_SECRET = "fake-signing-secret"


@pytest.fixture
async def slack(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSlack]:
    clear_proxy_env(monkeypatch)
    async with FakeSlack.running(
        ack_timeout_s=0.3,
        event_http_timeout_s=0.5,
        event_http_retry_delays_s=(0.0, 0.05, 0.1),
        disconnect_grace_s=0.2,
    ) as fake:
        yield fake


@asynccontextmanager
async def bolt(slack: FakeSlack, **app_options: Any) -> AsyncIterator[AsyncApp]:
    """A Bolt app on the fake's Web API, connected by Socket Mode (ping every second)."""
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    app = AsyncApp(client=client, **app_options)
    handler = AsyncSocketModeHandler(app, slack.app_token, ping_interval=1)
    await handler.connect_async()
    await slack.wait_for_connections(1)
    try:
        yield app
    finally:
        await handler.close_async()


def listen(app: AsyncApp, event: str | dict[str, str] = "message") -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    @app.event(event)
    async def record(body: dict[str, Any]) -> None:
        seen.append(body)

    return seen


async def test_a_user_message_reaches_the_listener_and_is_acked(slack: FakeSlack) -> None:
    channel, carol = slack.add_channel("launch"), slack.add_user("carol")
    async with bolt(slack) as app:
        seen = listen(app)
        ts = await slack.user_posts(channel, carol, "hello &lt;hub&gt;")
        await slack.wait_until(lambda: seen and slack.deliveries[-1].acked, what="an acked event")
    body = seen[0]
    assert body["event"]["user"] == carol and body["event"]["ts"] == ts
    assert body["event"]["channel"] == channel and body["event"]["channel_type"] == "channel"
    assert body["event_id"].startswith("Ev") and body["team_id"] == slack.team_id
    assert body["api_app_id"] == slack.app_id and isinstance(body["event_time"], int)
    assert slack.deliveries[-1].attempts == 1


async def test_edits_deletes_and_thread_replies_arrive_as_slack_shapes_them(
    slack: FakeSlack,
) -> None:
    channel, carol = slack.add_channel("launch"), slack.add_user("carol")
    async with bolt(slack) as app:
        seen = listen(app)
        parent = await slack.user_posts(channel, carol, "Task #7")
        reply = await slack.user_posts(channel, carol, "a reply", thread_ts=parent)
        await slack.user_edits(channel, reply, "an edited reply")
        await slack.user_deletes(channel, parent)
        await slack.wait_until(lambda: len(seen) == 4, what="four events")
    events = sorted((body["event"] for body in seen), key=lambda e: float(e["event_ts"]))
    assert events[1]["thread_ts"] == parent and events[1]["parent_user_id"] == carol
    changed = events[2]
    assert changed["subtype"] == "message_changed"
    assert changed["message"]["text"] == "an edited reply" and changed["message"]["ts"] == reply
    assert changed["previous_message"]["text"] == "a reply"
    assert changed["message"]["edited"]["user"] == carol
    deleted = events[3]
    assert deleted["subtype"] == "message_deleted" and deleted["deleted_ts"] == parent


async def test_the_bots_own_posts_come_back_with_bot_id(slack: FakeSlack) -> None:
    channel = slack.add_channel("launch")
    async with bolt(slack, ignoring_self_events_enabled=False) as app:
        seen = listen(app)
        posted = await app.client.chat_postMessage(channel=channel, text="from the hub")
        await app.client.chat_update(channel=channel, ts=posted["ts"], text="edited")
        await slack.wait_until(lambda: len(seen) == 2, what="the bot's two events")
    created, changed = sorted(seen, key=lambda b: float(b["event"]["event_ts"]))
    assert created["event"]["bot_id"] == slack.bot_id
    assert created["event"]["user"] == slack.bot_user_id
    assert changed["event"]["message"]["bot_id"] == slack.bot_id


async def test_bolt_acks_its_own_events_without_calling_the_listener(slack: FakeSlack) -> None:
    channel = slack.add_channel("launch")
    async with bolt(slack) as app:  # default: Bolt ignores self events
        seen = listen(app)
        await app.client.chat_postMessage(channel=channel, text="x", username="Alice (hub)")
        await slack.wait_until(lambda: slack.deliveries and slack.deliveries[0].acked)
    event = slack.deliveries[0].payload["event"]
    assert event["subtype"] == "bot_message" and event["bot_id"] == slack.bot_id
    assert seen == []


async def test_a_slash_command_is_acked_and_answered_ephemerally(slack: FakeSlack) -> None:
    channel, carol = slack.add_channel("launch"), slack.add_user("carol")
    async with bolt(slack) as app:

        @app.command("/taskflow")
        async def link(ack: Any, respond: Any, command: dict[str, str]) -> None:
            await ack("Checking your code…")
            await respond(f"Linked with code {command['text'].split()[-1]}")

        await slack.user_runs_command("/taskflow", "link ABC123", carol, channel)
        await slack.wait_until(lambda: len(slack.ephemerals) == 2, what="two answers")
    assert sorted((e["via"], e["text"]) for e in slack.ephemerals) == [
        ("ack", "Checking your code…"),
        ("response_url", "Linked with code ABC123"),
    ]
    assert {e["user"] for e in slack.ephemerals} == {carol}


async def test_an_unacked_event_is_redelivered_with_retry_attempt(slack: FakeSlack) -> None:
    """Raw Socket Mode client: read envelopes and ack only the second delivery."""
    channel, carol = slack.add_channel("launch"), slack.add_user("carol")
    opened = await AsyncWebClient(
        token=slack.app_token, base_url=slack.api_url
    ).apps_connections_open(app_token=slack.app_token)
    async with aiohttp.ClientSession() as session, session.ws_connect(opened["url"]) as ws:
        assert (await ws.receive_json())["type"] == "hello"
        await slack.user_posts(channel, carol, "are you there?")
        first = await ws.receive_json(timeout=2)
        again = await ws.receive_json(timeout=2)
        await ws.send_str(json.dumps({"envelope_id": again["envelope_id"]}))
        await slack.wait_until(lambda: slack.deliveries[0].acked)
    assert (first["retry_attempt"], again["retry_attempt"]) == (0, 1)
    assert again["retry_reason"] == "timeout"
    assert again["payload"]["event_id"] == first["payload"]["event_id"]
    assert again["envelope_id"] != first["envelope_id"]


async def test_an_unhandled_event_is_given_up_after_the_redeliveries(slack: FakeSlack) -> None:
    channel, carol = slack.add_channel("launch"), slack.add_user("carol")
    async with bolt(slack):  # no listener: Bolt sends no ack (404)
        await slack.user_posts(channel, carol, "nobody listens")
        await slack.wait_until(lambda: slack.deliveries[0].given_up, timeout=3)
    assert slack.deliveries[0].attempts == 1 + slack.config.max_redeliveries
    assert not slack.deliveries[0].acked


async def test_drop_and_disconnect_make_the_handler_reconnect(slack: FakeSlack) -> None:
    channel, carol = slack.add_channel("launch"), slack.add_user("carol")
    async with bolt(slack) as app:
        seen = listen(app)
        slack.drop_socket()
        await slack.wait_for_connections(2, timeout=8)
        await slack.send_disconnect(reason="refresh_requested")
        await slack.wait_for_connections(3, timeout=8)
        await slack.user_posts(channel, carol, "still here")
        await slack.wait_until(lambda: len(seen) == 1, what="the event after reconnecting")
    assert slack.connections == 3 and len(slack.calls_to("apps.connections.open")) == 3


async def test_events_queued_while_down_arrive_after_up(slack: FakeSlack) -> None:
    channel, carol = slack.add_channel("launch"), slack.add_user("carol")
    async with bolt(slack) as app:
        seen = listen(app)
        slack.down()
        await slack.wait_until(lambda: not slack.socket_connected.is_set())
        await slack.user_posts(channel, carol, "during the outage")
        await asyncio.sleep(0.3)
        assert seen == []
        slack.up()
        await slack.wait_until(lambda: len(seen) == 1, timeout=8, what="the queued event")
    assert seen[0]["event"]["text"] == "during the outage"


async def test_revoking_the_token_closes_the_socket_for_good(slack: FakeSlack) -> None:
    async with bolt(slack):
        slack.revoke_token()
        await slack.wait_until(
            lambda: slack.calls_to("apps.connections.open")[-1].error == "invalid_auth",
            timeout=5,
            what="a refused reconnect",
        )
        assert not slack.socket_connected.is_set() and slack.connections == 1


@asynccontextmanager
async def events_endpoint(answers: list[int], delay: float = 0.0) -> AsyncIterator[list[Any]]:
    """An HTTP Events API endpoint that checks signatures; answers the statuses in turn."""
    verifier = SignatureVerifier(SIGNING_SECRET)
    received: list[Any] = []

    async def events(request: web.Request) -> web.Response:
        body = await request.text()
        if not verifier.is_valid_request(body, dict(request.headers)):
            return web.json_response({"error": "invalid request"}, status=401)
        if request.content_type == "application/x-www-form-urlencoded":  # a slash command
            fields = dict(await request.post())
            received.append((None, fields))
            return web.json_response({"text": f"ran {fields['command']} {fields['text']}"})
        received.append((request.headers.get("X-Slack-Retry-Num"), json.loads(body)))
        await asyncio.sleep(delay if len(received) == 1 else 0)
        payload = received[-1][1]
        if payload.get("type") == "url_verification":
            return web.json_response({"challenge": payload["challenge"]})
        return web.Response(status=answers.pop(0) if answers else 200)

    app = web.Application()
    app.router.add_post("/bridges/slack/events", events)
    runner = web.AppRunner(app, shutdown_timeout=0.2)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    received.append(f"http://127.0.0.1:{port}/bridges/slack/events")
    try:
        yield received
    finally:
        await runner.cleanup()


async def test_events_api_delivery_is_signed_and_retried(slack: FakeSlack) -> None:
    channel, carol = slack.add_channel("launch"), slack.add_user("carol")
    async with events_endpoint(answers=[500]) as received:
        slack.deliver_events_to(received.pop(0), signing_secret=SIGNING_SECRET)
        assert await slack.url_verification()
        await slack.user_posts(channel, carol, "over http")
        await slack.wait_until(lambda: len(received) == 3, what="the retried delivery")
    (_, check), (first_num, first), (retry_num, retry) = received
    assert check["type"] == "url_verification"
    assert (first_num, retry_num) == (None, "1")
    assert first["event_id"] == retry["event_id"] and retry["event"]["text"] == "over http"
    assert [a.reason for a in slack.http_attempts[1:]] == ["http_error", None]


async def test_a_slow_answer_is_retried_as_http_timeout(slack: FakeSlack) -> None:
    channel, carol = slack.add_channel("launch"), slack.add_user("carol")
    async with events_endpoint(answers=[], delay=1.0) as received:
        slack.deliver_events_to(received.pop(0), signing_secret=SIGNING_SECRET)
        await slack.user_posts(channel, carol, "slowly")
        await slack.wait_until(lambda: len(received) == 2, what="the timeout retry")
    assert [a.reason for a in slack.http_attempts] == ["http_timeout", None]


async def test_a_wrong_secret_is_refused_by_the_verifier(slack: FakeSlack) -> None:
    channel, carol = slack.add_channel("launch"), slack.add_user("carol")
    async with events_endpoint(answers=[]) as received:
        slack.deliver_events_to(received.pop(0), signing_secret="not-the-secret")
        await slack.user_posts(channel, carol, "forged")
        await slack.wait_until(
            lambda: len(slack.http_attempts) == 4 and slack.http_attempts[-1].status is not None,
            what="all retries answered",
        )
    assert received == [] and {a.status for a in slack.http_attempts} == {401}


async def test_a_slash_command_over_http_is_answered_by_the_response_body(
    slack: FakeSlack,
) -> None:
    channel, carol = slack.add_channel("launch"), slack.add_user("carol")
    async with events_endpoint(answers=[]) as received:
        slack.deliver_events_to(received.pop(0), signing_secret=SIGNING_SECRET)
        await slack.user_runs_command("/taskflow", "link ABC123", carol, channel)
        await slack.wait_until(lambda: slack.ephemerals, what="the command's answer")
    assert received[0][1]["user_id"] == carol and received[0][1]["channel_id"] == channel
    assert slack.ephemerals[0]["text"] == "ran /taskflow link ABC123"
    assert slack.deliveries == []  # Socket Mode is off once a request URL is set
