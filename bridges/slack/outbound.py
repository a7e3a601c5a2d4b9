"""Outbox deliveries made on Slack: one Web API call (or a few: a task's thread parent, a DM
channel, a look in the history first) per delivery, with Slack's answers sorted into what
the outbox does next (bridges.slack.errors).

Every post carries its hub id in its metadata; a delivery tried before (`attempts > 0`) looks
for that post first (bridges.slack.reconcile), so a call whose answer was lost is never made
twice. Posts go without `link_names`: only the `<@U…>` that `to_slack` writes ping.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bridges.protocol import Delivery, Sent
from bridges.slack.dm import mention_dm_text
from bridges.slack.errors import GONE, error_code, outcome
from bridges.slack.reconcile import find_post, metadata
from bridges.slack.text import escape, to_slack
from bridges.tools import BridgeTools
from hub.mentions import parse_mentions


class SlackOutbound:
    def __init__(self, client: AsyncWebClient, tools: BridgeTools) -> None:
        self.client = client
        self.tools = tools

    async def send(self, delivery: Delivery) -> Sent:
        try:
            return await self._send(delivery)
        except Exception as exc:
            mapped = outcome(exc)
            if mapped is None:
                raise
            raise mapped from exc

    async def _send(self, delivery: Delivery) -> Sent:
        payload = delivery.payload
        if delivery.action == "dm":
            return await self._direct_message(delivery)
        if delivery.action == "post" and payload.get("kind") == "comment":
            return await self._comment(delivery)
        if delivery.action == "post":
            return await self._post(delivery, delivery.destination, hub_id(payload))
        return await self._change(delivery)

    async def _post(
        self, delivery: Delivery, channel: str, tag: str, thread_ts: str | None = None
    ) -> Sent:
        payload = delivery.payload
        if delivery.attempts > 0:
            found = await find_post(
                self.client, channel, tag, thread_ts=thread_ts, created_at=payload.get("created_at")
            )
            if found is not None:
                return Sent(found, thread_ts)
        username = payload.get("username")
        answer = await self.client.chat_postMessage(
            channel=channel,
            text=await self._text(payload),
            username=payload.get("author_name") or username or None,
            icon_url=f"{self.tools.public_url}/avatars/{username}.png" if username else None,
            metadata=metadata(tag),
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )
        return Sent(str(answer["ts"]), thread_ts)

    async def _comment(self, delivery: Delivery) -> Sent:
        """A task comment goes in the task's thread, whose parent is posted first if needed."""
        payload = delivery.payload
        channel, task = delivery.destination, int(payload["task"])
        parent = await self.tools.message_map.task_thread("slack", channel, task)
        if parent is None:
            parent = await self._task_parent(delivery, task)
        return await self._post(delivery, channel, hub_id(payload), thread_ts=parent)

    async def _task_parent(self, delivery: Delivery, task: int) -> str:
        payload, channel, tag = delivery.payload, delivery.destination, f"task:{task}"
        parent = None
        if delivery.attempts > 0:  # an earlier attempt may have posted it, then died
            parent = await find_post(self.client, channel, tag)
        if parent is None:
            url = f"{self.tools.public_url}/messaging/task/{task}/comments/"
            title = escape(f"Task #{task}: {payload.get('task_title', '')}")
            answer = await self.client.chat_postMessage(
                channel=channel,
                text=f"<{escape(url)}|{title}>",
                metadata=metadata(tag),
                unfurl_links=False,
                unfurl_media=False,
            )
            parent = str(answer["ts"])
        await self.tools.message_map.record_task_thread("slack", channel, task, parent)
        return parent

    async def _change(self, delivery: Delivery) -> Sent:
        """An edit or a delete of a post the hub made here; none made: nothing to change."""
        payload, channel = delivery.payload, delivery.destination
        copy = await self.tools.message_map.copy_of(
            "slack", channel, payload["kind"], int(payload["id"])
        )
        if copy is None:
            return Sent()
        try:
            if delivery.action == "delete":
                await self.client.chat_delete(channel=channel, ts=copy.external_id)
                return Sent()
            await self.client.chat_update(
                channel=channel, ts=copy.external_id, text=await self._text(payload)
            )
        except SlackApiError as exc:
            if error_code(exc) in GONE:
                return Sent()
            raise
        return Sent(copy.external_id, copy.thread_id)

    async def _direct_message(self, delivery: Delivery) -> Sent:
        notification: dict[str, Any] = delivery.payload["notification"]
        opened = await self.client.conversations_open(
            users=delivery.destination.removeprefix("dm:")
        )
        channel = str(opened["channel"]["id"])
        tag = f"notification:{notification['id']}"
        if delivery.attempts > 0:
            found = await find_post(
                self.client, channel, tag, created_at=notification.get("created_at")
            )
            if found is not None:
                return Sent(found)
        answer = await self.client.chat_postMessage(
            channel=channel,
            text=mention_dm_text(notification, self.tools.public_url),
            metadata=metadata(tag),
            unfurl_links=False,
            unfurl_media=False,
        )
        return Sent(str(answer["ts"]))

    async def _text(self, payload: dict[str, Any]) -> str:
        """The body as Slack mrkdwn, mentions of linked users as `<@U…>`."""
        body = str(payload.get("body", ""))
        names = parse_mentions(body).usernames
        ids = await self.tools.identities.external_ids("slack", names)
        return to_slack(body, ids).text


def hub_id(payload: dict[str, Any]) -> str:
    """The hub id a post's copy is tagged with: "message:12" or "comment:34"."""
    return f"{payload['kind']}:{payload['id']}"
