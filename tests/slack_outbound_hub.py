"""Shared by the outbound Slack tests: a test hub whose Slack bridge talks to the fake Slack
(the `slack` and `linked` fixtures of tests.test_slack_bridge), tuned for fast retries, and
small helpers to wait on what the fake received."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from aiohttp import web
from pydantic import AnyHttpUrl, SecretStr

from hub.app import create_app
from hub.settings import Settings
from tests.conftest import Api, reset_schema
from tests.fake_slack import FakeSlack
from tests.test_slack_bridge import linked, slack

T = TypeVar("T")

FAST_BRIDGE: dict[str, Any] = {
    "bridge_max_backoff_s": 0.3,
    "outbox_poll_s": 0.2,
    "send_rate_per_minute": 0,  # the tests post hundreds of messages as one person
}


def with_slack(settings: Settings, slack: FakeSlack, **overrides: Any) -> Settings:
    return settings.model_copy(
        update={
            "slack_bot_token": SecretStr(slack.bot_token),
            "slack_app_token": SecretStr(slack.app_token),
            "slack_api_url": AnyHttpUrl(slack.api_url),
            **FAST_BRIDGE,
            **overrides,
        }
    )


@pytest.fixture
async def app(settings: Settings, slack: FakeSlack) -> web.Application:
    await reset_schema(settings.database_url)
    return create_app(with_slack(settings, slack))


async def until(check: Callable[[], bool], timeout_s: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what or check}"
        await asyncio.sleep(0.02)


def texts(slack: FakeSlack, channel: str) -> list[str]:
    return [m.text for m in slack.messages(channel)]


def hub_ids(slack: FakeSlack, channel: str) -> list[str]:
    return [
        str(((m.metadata or {}).get("event_payload") or {}).get("hub_id"))
        for m in slack.messages(channel)
    ]


async def post(api: Api, room: int, body: str) -> dict[str, Any]:
    status, message = await api.post(f"/api/v1/rooms/{room}/messages", {"body": body})
    assert status == 201, message
    return dict(message)


async def deliveries(admin: Api, state: str) -> list[dict[str, Any]]:
    status, page = await admin.get(f"/api/v1/admin/deliveries?state={state}")
    assert status == 200, page
    return list(page["items"])


async def until_async(probe: Callable[[], Awaitable[T]], timeout_s: float = 15.0) -> T:
    """The first truthy answer of `probe`, polled."""
    deadline = time.monotonic() + timeout_s
    while not (found := await probe()):
        assert time.monotonic() < deadline, f"timed out waiting for {probe}"
        await asyncio.sleep(0.05)
    return found


async def settled(admin: Api, timeout_s: float = 15.0) -> None:
    """Wait until no delivery is pending."""

    async def idle() -> bool:
        return not await deliveries(admin, "pending")

    await until_async(idle, timeout_s)


async def link_identity(admin: Api, username: str, slack_user: str) -> None:
    status, body = await admin.post(
        "/api/v1/admin/identities",
        {"username": username, "platform": "slack", "external_id": slack_user},
    )
    assert status == 201, body


__all__ = ["app", "linked", "slack"]
