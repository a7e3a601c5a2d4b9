"""Hostile bodies posted to a running hub: over HTTP, over the WebSocket and as edits, each is
stored with safe HTML; none is parsed in the hub's process (workers render it), so while the
costliest are posted another client's pings keep being answered; and a body past the render
deadline is stored as its plain text, mentioning nobody."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from hub.markdown import PARSER
from hub.post_text import fallback_text
from hub.render_pool import IN_LOOP_CHARS
from tests.conftest import Api, UserFactory
from tests.hostile_bodies import FAMILIES, hostile_body
from tests.realtime import Socket, Team, connect, make_team
from tests.test_render import assert_safe

SIZE = 4096  # more than the loop renders, small enough for every family to post quickly
# The pinging observer sends frames as fast as pongs come back: past the frame budget too.
UNLIMITED = pytest.mark.settings(
    send_rate_per_minute=0, send_bytes_per_minute=0, ws_frames_per_second=1_000_000
)
COSTLIEST = ["image openers", "link openers", "domain lines", "table autofill", "reference bomb"]


@pytest.fixture
def parsed_here(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The length of every body the hub's own process parses as markdown."""
    lengths: list[int] = []
    parse = PARSER.parse

    def recording(src: str, env: Any = None) -> Any:
        lengths.append(len(src))
        return parse(src, env)

    monkeypatch.setattr(PARSER, "parse", recording)
    yield lengths
    assert all(length <= IN_LOOP_CHARS for length in lengths), max(lengths)


@pytest.fixture
async def pair(make_user: UserFactory) -> tuple[Api, Api, Team]:
    alice, bob = await make_user("alice"), await make_user("bob")
    return alice, bob, await make_team(alice, bob)


async def post_over_http(alice: Api, team: Team, body: str) -> dict[str, Any]:
    status, post = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": body})
    assert status == 201, post
    return post


@UNLIMITED
async def test_hostile_posts_over_http_and_as_edits_store_safe_html(
    pair: tuple[Api, Api, Team], parsed_here: list[int]
) -> None:
    alice, _, team = pair
    for family in FAMILIES:
        post = await post_over_http(alice, team, hostile_body(family, SIZE))
        assert_safe(post["html"])
        edited = hostile_body(family, SIZE - 1)
        status, post = await alice.patch(f"/api/v1/messages/{post['id']}", {"body": edited})
        assert status == 200 and post["body"] == edited, family
        assert_safe(post["html"])


@UNLIMITED
async def test_hostile_posts_over_the_websocket_store_safe_html(
    pair: tuple[Api, Api, Team], parsed_here: list[int]
) -> None:
    alice, _, team = pair
    socket = await connect(alice)
    await socket.subscribe(f"room:{team.room}")
    for family in FAMILIES:
        body = hostile_body(family, SIZE)
        await socket.send(type="message.send", room=team.room, body=body, client_id=family)
        event = await socket.receive_until("event", timeout=30, stream=f"room:{team.room}")
        assert event["data"]["body"] == body
        assert_safe(event["data"]["html"])
    await socket.close()


async def ping_forever(socket: Socket, pongs: list[float]) -> None:
    while True:
        await socket.send(type="ping")
        await socket.receive_until("pong")
        pongs.append(time.monotonic())


@UNLIMITED
async def test_pings_are_answered_while_the_costliest_bodies_are_posted(
    pair: tuple[Api, Api, Team], parsed_here: list[int]
) -> None:
    alice, bob, team = pair
    poster, observer = await connect(alice), await connect(bob)
    await post_over_http(alice, team, "x" * SIZE)  # a worker is up
    pongs: list[float] = []
    pinging = asyncio.create_task(ping_forever(observer, pongs))
    windows: list[tuple[str, float, float]] = []
    for family in COSTLIEST:
        started = time.monotonic()
        await post_over_http(alice, team, hostile_body(family))
        windows.append((f"{family} over HTTP", started, time.monotonic()))
        started = time.monotonic()
        client_id = str(uuid.uuid4())
        await poster.send(
            type="message.send", room=team.room, body=hostile_body(family), client_id=client_id
        )
        await poster.receive_until("ack", timeout=30, client_id=client_id)
        windows.append((f"{family} over the WebSocket", started, time.monotonic()))
    pinging.cancel()
    for what, started, ended in windows:
        answered = sum(started < pong < ended for pong in pongs)
        assert answered >= 10, f"{answered} pongs while {what} was posted"
    await poster.close()
    await observer.close()


@pytest.mark.settings(render_deadline_s=0.001)
async def test_a_body_past_the_deadline_is_stored_as_plain_text(
    pair: tuple[Api, Api, Team],
) -> None:
    alice, bob, team = pair
    body = hostile_body("image openers")
    post = await post_over_http(alice, team, body)
    assert post["html"] == fallback_text(body).html and post["mentions"] == []
    status, page = await bob.get("/api/v1/notifications")
    assert status == 200 and [item for item in page["items"] if item["kind"] == "mention"] == []
