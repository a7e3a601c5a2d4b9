"""Hub → Slack when things go wrong: Slack down (5xx, then the socket dropped), the hub
restarted mid-drain, an answer lost after the post was applied, and Slack's per-channel
rate limit; nothing lost, nothing doubled, order kept per channel."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.appkeys import BRIDGES
from hub.settings import Settings
from tests.conftest import Api
from tests.fake_slack import FakeSlack
from tests.realtime import Team
from tests.slack_outbound_hub import (
    app,
    hub_ids,
    linked,
    post,
    slack,
    texts,
    until,
    with_slack,
)

__all__ = ["app", "linked", "slack"]  # fixtures

MESSAGES = 100
CHANNELS = 20
PER_CHANNEL = 20


def assert_once_in_order(slack: FakeSlack, channel: str, bodies: list[str]) -> None:
    assert texts(slack, channel) == bodies
    ids = hub_ids(slack, channel)
    assert len(set(ids)) == len(ids)


async def test_an_outage_loses_nothing_and_doubles_nothing(
    linked: tuple[Team, Api, str], slack: FakeSlack
) -> None:
    team, alice, channel = linked
    bodies = [f"m{i}" for i in range(MESSAGES)]
    slack.fail_next("chat.postMessage", status=500, times=5)
    for body in bodies[: MESSAGES // 2]:
        await post(alice, team.room, body)
    slack.down()  # every call 503, the socket cut
    for body in bodies[MESSAGES // 2 :]:
        await post(alice, team.room, body)
    await until(lambda: sum(c.status == 503 for c in slack.calls) >= 2)
    slack.up()
    await until(lambda: len(slack.messages(channel)) >= MESSAGES, timeout_s=30)
    await asyncio.sleep(0.3)  # a duplicate would come now
    assert_once_in_order(slack, channel, bodies)
    assert sum(c.status == 500 for c in slack.calls_to("chat.postMessage")) == 5


async def test_a_hub_restarted_mid_drain_loses_nothing_and_doubles_nothing(
    linked: tuple[Team, Api, str],
    slack: FakeSlack,
    settings: Settings,
    client: TestClient[web.Request, web.Application],
    aiohttp_client: Callable[
        [web.Application], Awaitable[TestClient[web.Request, web.Application]]
    ],
) -> None:
    team, alice, channel = linked
    bodies = [f"m{i}" for i in range(MESSAGES)]
    slack.slow("chat.postMessage", 0.03)  # applied at once, answered later: a stop cuts one
    for body in bodies:
        await post(alice, team.room, body)
    await until(lambda: len(slack.messages(channel)) >= MESSAGES // 3)
    await client.close()  # the hub stops, a post's answer in flight
    stopped_at = len(slack.messages(channel))
    assert stopped_at < MESSAGES

    second = await aiohttp_client(create_app(with_slack(settings, slack)))
    await asyncio.wait_for(second.app[BRIDGES].supervisors["slack"].wait_connected(), 10)
    slack.slow("chat.postMessage", 0)
    await until(lambda: len(slack.messages(channel)) >= MESSAGES, timeout_s=30)
    await asyncio.sleep(0.3)
    assert_once_in_order(slack, channel, bodies)


async def test_a_lost_answer_is_reconciled_not_posted_again(
    linked: tuple[Team, Api, str], slack: FakeSlack, admin: Api
) -> None:
    team, alice, channel = linked
    slack.lose_answer("chat.postMessage")
    await post(alice, team.room, "once")
    await post(alice, team.room, "next")
    await until(lambda: texts(slack, channel) == ["once", "next"])
    assert_once_in_order(slack, channel, ["once", "next"])
    assert slack.calls_to("chat.postMessage")[0].error == "answer_lost"
    assert slack.calls_to("conversations.history")  # it looked before posting again

    # In a task thread: the parent's answer lost, then the comment's.
    tasks = slack.add_channel("tasks")
    status, _ = await admin.post(
        "/api/v1/admin/links", {"board": team.board, "platform": "slack", "channel": tasks}
    )
    assert status == 201
    slack.lose_answer("chat.postMessage", times=2)
    status, _ = await alice.post(f"/api/v1/tasks/{team.task}/comments", {"body": "in thread"})
    assert status == 201
    status, _ = await alice.post(f"/api/v1/tasks/{team.task}/comments", {"body": "after"})
    await until(lambda: len(slack.messages(tasks)) == 3)
    await asyncio.sleep(0.3)
    parent, *replies = slack.messages(tasks)
    assert [m.text for m in replies] == ["in thread", "after"]
    assert all(m.thread_ts == parent.ts for m in replies)
    assert slack.calls_to("conversations.replies")


async def test_rate_limited_channels_drain_in_parallel_honouring_retry_after(
    linked: tuple[Team, Api, str], slack: FakeSlack, admin: Api
) -> None:
    team, alice, first = linked
    channels = [first] + [slack.add_channel(f"c{i}") for i in range(1, CHANNELS)]
    for channel in channels[1:]:
        status, body = await admin.post(
            "/api/v1/admin/links", {"room": team.room, "platform": "slack", "channel": channel}
        )
        assert status == 201, body
    slack.rate_limit("chat.postMessage", per_channel_per_s=1)
    bodies = [f"m{i}" for i in range(PER_CHANNEL)]
    started = time.monotonic()
    for body in bodies:
        await post(alice, team.room, body)
    await until(lambda: all(len(slack.messages(c)) >= PER_CHANNEL for c in channels), timeout_s=90)
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"the 20 x 20 drain took {elapsed:.1f} s"
    for channel in channels:
        assert_once_in_order(slack, channel, bodies)
    assert slack.retry_after_violations == []
    assert any(c.status == 429 for c in slack.calls_to("chat.postMessage"))
