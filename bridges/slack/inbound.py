"""Slack events into the hub: messages, thread replies, edits and deletes in linked channels,
handed to the `InboundSink` (the write seam, which dedupes posts on channel and ts).

- The bridge's own posts never come back: events carrying its bot id or bot user id, or the
  hub's message metadata (`event_type` "taskflow_post"), are ignored.
- A redelivered event (same event_id: a Socket Mode redelivery, an HTTP `X-Slack-Retry-Num`)
  is taken in once, edits and deletes included.
- Order: events of a channel are taken in one at a time, in the order they arrived, and not
  before the catch-up that follows every (re)connection has stored what was written while
  the bridge was away (bridges.slack.catch_up), so a channel's messages keep their order.
- Authors and mentioned users show by their Slack name (users.info, cached); a user linked
  to a hub account is that account, and `<@U…>` of one becomes `@username` (a mention).
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from typing import Any

import structlog
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bridges.protocol import InboundDelete, InboundEdit, InboundPost, InboundSink
from bridges.slack.bot import BotIdentity
from bridges.slack.cache import ExpiringCache
from bridges.slack.catch_up import CatchUp
from bridges.slack.commands import LinkCommand
from bridges.slack.text import from_slack
from bridges.tools import BridgeTools

logger = structlog.get_logger(__name__)

NAME_CACHE_SIZE = 2_000
"""Slack users whose names are kept (users.info answers)."""
NAME_CACHE_TTL_S = 600.0
"""How long a name is kept: a renamed Slack user shows by the new name within this."""
SEEN_EVENTS_SIZE = 10_000
"""Event ids remembered against redelivery."""
SEEN_EVENTS_TTL_S = 900.0
"""How long an event id is remembered: Slack's last HTTP retry comes about 5 minutes on."""
HUB_POST_EVENT = "taskflow_post"
"""The metadata event_type of the messages the bridge posts (bridges.slack.outbound)."""
POST_SUBTYPES = frozenset({None, "thread_broadcast"})
"""Message subtypes taken in as posts; every other (channel_join, bot_message…) is not."""
_USER_REF = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


class SlackInbound:
    def __init__(
        self, client: AsyncWebClient, tools: BridgeTools, me: BotIdentity, sink: InboundSink
    ) -> None:
        self.client = client
        self.tools = tools
        self.me = me
        self.sink = sink
        self._names: ExpiringCache[str] = ExpiringCache(NAME_CACHE_SIZE, NAME_CACHE_TTL_S)
        self._seen: ExpiringCache[bool] = ExpiringCache(SEEN_EVENTS_SIZE, SEEN_EVENTS_TTL_S)
        self._channel_turns: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._caught_up = asyncio.Event()
        self._catch_up = CatchUp(client, tools, self.is_own, self.store_post)
        self._command = LinkCommand(tools)

    def register(self, app: AsyncApp) -> None:
        app.event("message")(self._on_message)
        app.command("/taskflow")(self._command.handle)

    async def catch_up(self) -> None:
        """Store what linked channels got while the bridge was away, then let live events in."""
        try:
            await self._catch_up.run()
        finally:
            self._caught_up.set()

    def is_own(self, message: dict[str, Any]) -> bool:
        """Whether the bridge posted `message` (a Slack message object)."""
        if message.get("bot_id") and message.get("bot_id") == self.me.bot_id:
            return True
        if message.get("user") == self.me.user_id:
            return True
        metadata = message.get("metadata")
        return isinstance(metadata, dict) and metadata.get("event_type") == HUB_POST_EVENT

    async def _on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        event_id = str(body.get("event_id") or "")
        if event_id:
            if self._seen.get(event_id):
                return
            self._seen.put(event_id, True)
        try:
            await self._caught_up.wait()
            channel = str(event.get("channel", ""))
            if not self.tools.links.of_channel("slack", channel):
                return
            async with self._channel_turns[channel]:
                await self._take(channel, event)
        except BaseException:
            if event_id:
                self._seen.discard(event_id)  # a redelivery may succeed where this failed
            raise

    async def _take(self, channel: str, event: dict[str, Any]) -> None:
        subtype = event.get("subtype")
        if subtype in POST_SUBTYPES:
            if not self.is_own(event):
                await self.store_post(channel, event)
        elif subtype == "message_changed":
            await self._edited(channel, event)
        elif subtype == "message_deleted":
            previous = event.get("previous_message") or {}
            if event.get("deleted_ts") and not self.is_own(previous):
                await self.sink.deleted(InboundDelete("slack", channel, str(event["deleted_ts"])))

    async def _edited(self, channel: str, event: dict[str, Any]) -> None:
        message = event.get("message") or {}
        previous = event.get("previous_message") or {}
        if self.is_own(message) or not message.get("ts"):
            return
        if "text" not in message or message.get("text") == previous.get("text"):
            return  # an unfurl or another change that leaves the text as it was
        text, _ = await self._hub_text(str(message["text"]))
        author = str(message.get("user", ""))
        await self.sink.edited(InboundEdit("slack", channel, str(message["ts"]), author, text))

    async def store_post(self, channel: str, message: dict[str, Any]) -> None:
        """Hand one Slack message (an event or a history entry) to the sink."""
        ts = str(message.get("ts", ""))
        if not ts:
            return
        text, mentioned = await self._hub_text(str(message.get("text", "")))
        author = str(message.get("user", ""))
        thread_ts = message.get("thread_ts")
        await self.sink.posted(
            InboundPost(
                "slack",
                channel,
                ts,
                author,
                await self.name(author) if author else "someone",
                text,
                thread_id=str(thread_ts) if thread_ts and thread_ts != ts else None,
                mentioned=tuple(mentioned),
            )
        )

    async def _hub_text(self, text: str) -> tuple[str, list[str]]:
        ids = set(_USER_REF.findall(text))
        usernames = await self.tools.identities.usernames("slack", ids)
        names = {user_id: await self.name(user_id) for user_id in ids - usernames.keys()}
        hub = from_slack(text, usernames, names)
        return hub.body, hub.usernames

    async def name(self, user_id: str) -> str:
        """How Slack shows the user: display name, else real name, else the user name."""
        cached = self._names.get(user_id)
        if cached is not None:
            return cached
        try:
            answer = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            logger.info("slack_user_unknown", user=user_id, error=exc.response.get("error"))
            return user_id
        user = answer.get("user") or {}
        profile = user.get("profile") or {}
        name = str(
            profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id
        )
        self._names.put(user_id, name)
        return name
