"""Catch-up after every (re)connection: what was written in linked Slack channels while the
bridge was away is read back (conversations.history, then .replies for threads with newer
replies) and stored once, oldest first, through the same path as live events.

Where to start: the newest Slack ts the hub took in from the channel (a query on the message
map, inbound rows only; Slack ts compare as strings, being fixed-width), else the newest the
bridge posted there, else the moment the channel was linked. No separate cursor is kept: the
message map is written in the same transaction as each post, so it can never run ahead of
or behind what the hub stored. Replies to a thread whose parent is older than that are found
through the parents of the last THREAD_LOOKBACK_S, whose `latest_reply` tells which changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bridges.tools import BridgeTools
from hub.db.models import BridgeLink, ExternalMessage

logger = structlog.get_logger(__name__)

CATCH_UP_MAX_MESSAGES = 500
"""At most this many messages are taken in per channel per catch-up (the newest ones, with a
warning in the log when some were left out)."""
CATCH_UP_MAX_PAGES = 20
"""At most this many pages of history, and of each thread's replies, are read per channel."""
PAGE_SIZE = 200
"""Messages asked for per history or replies page."""
THREAD_LOOKBACK_S = 86_400.0
"""How far before the start point thread parents are looked at for new replies."""
POST_SUBTYPES = frozenset({None, "thread_broadcast"})

Store = Callable[[str, dict[str, Any]], Awaitable[None]]
IsOwn = Callable[[dict[str, Any]], bool]


def ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds or 0), int(micros or 0)


class CatchUp:
    def __init__(
        self, client: AsyncWebClient, tools: BridgeTools, is_own: IsOwn, store: Store
    ) -> None:
        self.client = client
        self.tools = tools
        self.is_own = is_own
        self.store = store

    async def run(self) -> None:
        for channel in self.tools.links.channels("slack"):
            if not any(link.inbound for link in self.tools.links.of_channel("slack", channel)):
                continue
            since = await self.start_point(channel)
            try:
                missed = await self.missed(channel, since)
            except SlackApiError as exc:
                if exc.response.status_code == 200:  # a logical error: this channel only
                    logger.warning(
                        "slack_catch_up_failed", channel=channel, error=exc.response.get("error")
                    )
                    continue
                raise  # 429 or 5xx: the bridge starts again after its backoff
            for message in missed:
                await self.store(channel, message)

    async def start_point(self, channel: str) -> str:
        """The Slack ts after which the channel's messages are new to the hub."""
        database = self.tools.message_map.database
        async with database.read() as session:
            for direction in ("in", None):
                query = select(func.max(ExternalMessage.external_id)).where(
                    ExternalMessage.platform == "slack", ExternalMessage.channel == channel
                )
                if direction is not None:
                    query = query.where(ExternalMessage.direction == direction)
                newest = await session.scalar(query)
                if newest:
                    return str(newest)
            linked = await session.scalar(
                select(func.min(BridgeLink.created_at)).where(
                    BridgeLink.platform == "slack", BridgeLink.channel == channel
                )
            )
        return f"{linked.timestamp():.6f}" if linked is not None else "0"

    async def missed(self, channel: str, since: str) -> list[dict[str, Any]]:
        """The channel's messages newer than `since`, not the bridge's own, oldest first."""
        seconds, micros = ts_key(since)
        lookback = f"{max(0, seconds - int(THREAD_LOOKBACK_S))}.{micros:06d}"
        found: dict[str, dict[str, Any]] = {}
        threads: list[str] = []
        for message in await self._pages("conversations_history", channel=channel, oldest=lookback):
            ts = str(message.get("ts", ""))
            if ts_key(ts) > ts_key(since):
                found[ts] = message
            if message.get("latest_reply") and ts_key(message["latest_reply"]) > ts_key(since):
                threads.append(ts)
        for parent in threads:
            replies = await self._pages(
                "conversations_replies", channel=channel, ts=parent, oldest=since
            )
            for message in replies:
                ts = str(message.get("ts", ""))
                if ts != parent and ts_key(ts) > ts_key(since):
                    found[ts] = message
        wanted = [
            message
            for message in found.values()
            if message.get("subtype") in POST_SUBTYPES and not self.is_own(message)
        ]
        wanted.sort(key=lambda message: ts_key(str(message["ts"])))
        if len(wanted) > CATCH_UP_MAX_MESSAGES:
            logger.warning(
                "slack_catch_up_truncated", channel=channel, missed=len(wanted),
                kept=CATCH_UP_MAX_MESSAGES,
            )  # fmt: skip
            wanted = wanted[-CATCH_UP_MAX_MESSAGES:]
        return wanted

    async def _pages(self, method: str, **params: str) -> list[dict[str, Any]]:
        call = getattr(self.client, method)
        messages: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(CATCH_UP_MAX_PAGES):
            answer = await call(**params, limit=PAGE_SIZE, include_all_metadata=True, cursor=cursor)
            messages.extend(answer.get("messages") or [])
            cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        else:
            logger.warning("slack_catch_up_pages_capped", method=method, **params)
        return messages
