"""A served hub killed with SIGKILL while Slack holds the answer to one of its posts: after a
restart the post is looked up (its hub id is in the message metadata), not made again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from tests.fake_slack import PROXY_VARIABLES, FakeSlack
from tests.served import Hub
from tests.slack_outbound_hub import texts, until
from tests.test_durability import FAST_HUB, call, first_admin_token

HELD_ANSWER_S = 30.0  # longer than the test: the answer never reaches the killed process


async def wait_connected(http: aiohttp.ClientSession, token: str) -> None:
    async with asyncio.timeout(30):
        while True:
            status = await call(http, token, "GET", "/api/v1/admin/bridges")
            if [b["state"] for b in status["items"]] == ["connected"]:
                return
            await asyncio.sleep(0.1)


async def test_a_post_in_flight_at_sigkill_exists_once_after_restart(
    environment: dict[str, str], tmp_path: Path
) -> None:
    async with FakeSlack.running(ack_timeout_s=0.5) as slack:
        channel = slack.add_channel("launch")
        for name in PROXY_VARIABLES:
            environment.pop(name, None)
        environment |= FAST_HUB | {
            "HUB_SLACK_BOT_TOKEN": slack.bot_token,
            "HUB_SLACK_APP_TOKEN": slack.app_token,
            "HUB_SLACK_API_URL": slack.api_url,
            "HUB_BRIDGE_MAX_BACKOFF_S": "0.3",
            "HUB_OUTBOX_POLL_S": "0.2",
        }
        base = f"http://127.0.0.1:{environment['HUB_PORT']}"
        hub = Hub(tmp_path, environment)
        try:
            await hub.start()
            async with aiohttp.ClientSession(base) as http:
                token = await first_admin_token(http, hub)
                board = await call(http, token, "POST", "/api/v1/boards", json={"name": "B"})
                room = await call(
                    http, token, "POST", f"/api/v1/boards/{board['id']}/rooms", json={"name": "r"}
                )
                link: dict[str, Any] = {"room": room["id"], "platform": "slack", "channel": channel}
                await call(http, token, "POST", "/api/v1/admin/links", json=link)
                await wait_connected(http, token)

                slack.slow("chat.postMessage", HELD_ANSWER_S)
                path = f"/api/v1/rooms/{room['id']}/messages"
                await call(http, token, "POST", path, json={"body": "in flight"})
                await until(lambda: texts(slack, channel) == ["in flight"], timeout_s=30)
                await hub.kill()  # SIGKILL while Slack holds the answer
                slack.slow("chat.postMessage", 0)

                hub.output.clear()
                await hub.start()
                await call(http, token, "POST", path, json={"body": "after"})
                await until(lambda: len(slack.messages(channel)) >= 2, timeout_s=30)
                await asyncio.sleep(0.5)  # a second copy would come now
                pending = await call(http, token, "GET", "/api/v1/admin/deliveries?state=pending")
                await hub.stop()
        finally:
            await hub.kill()
    assert texts(slack, channel) == ["in flight", "after"]
    assert pending["items"] == []
    assert slack.calls_to("conversations.history")  # looked up, not posted again
    assert "Traceback" not in hub.log.read_text()
