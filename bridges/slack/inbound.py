"""Slack events into the hub: messages, edits and deletes in linked channels, handed to the
`InboundSink`; the bridge's own posts ignored."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bridges.protocol import InboundPost, InboundSink
from bridges.slack.bot import BotIdentity
from bridges.slack.text import from_slack
from bridges.tools import BridgeTools


class SlackInbound:
    def __init__(
        self, client: AsyncWebClient, tools: BridgeTools, me: BotIdentity, sink: InboundSink
    ) -> None:
        self.client = client
        self.tools = tools
        self.me = me
        self.sink = sink

    def register(self, app: AsyncApp) -> None:
        app.event("message")(self._on_message)

    async def catch_up(self) -> None:
        """Nothing yet."""

    async def _on_message(self, event: dict[str, Any]) -> None:
        if event.get("subtype") or event.get("bot_id"):
            return
        text = from_slack(str(event.get("text", "")), {})
        await self.sink.posted(
            InboundPost(
                "slack",
                str(event["channel"]),
                str(event["ts"]),
                str(event.get("user", "")),
                str(event.get("user", "")),
                text.body,
                thread_id=event.get("thread_ts"),
            )
        )
