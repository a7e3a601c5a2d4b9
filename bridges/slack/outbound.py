"""Outbox deliveries made on Slack: one Web API call (or a few: a task's thread parent, a DM
channel) per delivery, with Slack's answers sorted into what the outbox does next."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bridges.protocol import Delivery, Sent
from bridges.slack.text import to_slack
from bridges.tools import BridgeTools


class SlackOutbound:
    def __init__(self, client: AsyncWebClient, tools: BridgeTools) -> None:
        self.client = client
        self.tools = tools

    async def send(self, delivery: Delivery) -> Sent:
        payload = delivery.payload
        text = to_slack(str(payload.get("body", "")), {})
        answer = await self.client.chat_postMessage(
            channel=delivery.destination, text=text.text, username=payload.get("author_name")
        )
        return Sent(str(answer["ts"]))
