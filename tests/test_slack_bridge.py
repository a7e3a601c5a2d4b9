"""The Slack bridge end to end: a hub with HUB_SLACK_* pointed at the fake Slack, driven
through the hub's API and as Slack users."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from pydantic import AnyHttpUrl, SecretStr

from hub.app import create_app
from hub.appkeys import BRIDGES
from hub.settings import Settings
from tests.conftest import Api, UserFactory, reset_schema
from tests.fake_slack import FakeSlack, clear_proxy_env
from tests.realtime import Team, make_team


@pytest.fixture
async def slack(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSlack]:
    clear_proxy_env(monkeypatch)
    async with FakeSlack.running(ack_timeout_s=0.5) as fake:
        yield fake


@pytest.fixture
async def app(settings: Settings, slack: FakeSlack) -> web.Application:
    """The test hub with its Slack bridge on, in Socket Mode, against the fake Slack."""
    await reset_schema(settings.database_url)
    slack_settings = settings.model_copy(
        update={
            "slack_bot_token": SecretStr(slack.bot_token),
            "slack_app_token": SecretStr(slack.app_token),
            "slack_api_url": AnyHttpUrl(slack.api_url),
            "bridge_max_backoff_s": 0.5,
            "outbox_poll_s": 0.2,
        }
    )
    return create_app(slack_settings)


async def eventually(check: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.fixture
async def linked(make_user: UserFactory, admin: Api, slack: FakeSlack) -> tuple[Team, Api, str]:
    """alice's team, its room linked to the fake's #launch, the bridge connected."""
    alice, bob = await make_user("alice"), await make_user("bob")
    team = await make_team(alice, bob)
    channel = slack.add_channel("launch")
    status, body = await admin.post(
        "/api/v1/admin/links", {"room": team.room, "platform": "slack", "channel": channel}
    )
    assert status == 201, body
    await asyncio.wait_for(alice.client.app[BRIDGES].supervisors["slack"].wait_connected(), 10)
    return team, alice, channel


async def test_a_hub_message_reaches_slack_and_a_slack_message_the_room(
    linked: tuple[Team, Api, str], slack: FakeSlack
) -> None:
    team, alice, channel = linked
    status, _ = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": "hi Slack"})
    assert status == 201
    await eventually(lambda: [m.text for m in slack.messages(channel)] == ["hi Slack"])

    carol = slack.add_user("carol", real_name="Carol")
    await slack.user_posts(channel, carol, "hi hub")

    async def arrived() -> list[dict[str, Any]]:
        status, page = await alice.get(f"/api/v1/rooms/{team.room}/messages")
        assert status == 200
        return [m for m in page["items"] if m["source"] == "slack"]

    deadline = time.monotonic() + 10
    while not (found := await arrived()):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    assert [m["body"] for m in found] == ["hi hub"]
