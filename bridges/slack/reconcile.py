"""Finding a post the hub may already have made: every outbound post carries its hub id in
Slack message metadata (`event_payload.hub_id`), so a retry whose earlier call may have been
applied (its answer lost, or the process killed first) looks in the channel's recent history,
or the thread's replies, before posting again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bridges.slack.errors import error_code

EVENT_TYPE = "taskflow_post"
"""The metadata event type of every post the bridge makes."""

RECONCILE_MAX_MESSAGES = 200
"""How many of the channel's newest messages (or a thread's replies) are searched."""

RECONCILE_MARGIN_S = 300.0
"""How far before the hub event's creation the search starts (clock skew between the hub
and Slack, and the delivery's time in the queue is after its creation anyway)."""

PAGE_SIZE = 200
"""Messages asked for per history call (Slack allows up to 999, recommends 200 or fewer)."""


THREAD_GONE = "thread_not_found"


def metadata(hub_id: str) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": {"hub_id": hub_id}}


def oldest_ts(created_at: object) -> str | None:
    """The `oldest` bound of the search for a hub event created at `created_at` (ISO 8601)."""
    if not isinstance(created_at, str):
        return None
    try:
        moment = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    return f"{(moment - timedelta(seconds=RECONCILE_MARGIN_S)).timestamp():.6f}"


def _tagged(message: dict[str, Any], hub_id: str) -> bool:
    meta = message.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    return meta.get("event_type") == EVENT_TYPE and payload.get("hub_id") == hub_id


async def find_post(
    client: AsyncWebClient,
    channel: str,
    hub_id: str,
    *,
    thread_ts: str | None = None,
    created_at: object = None,
) -> str | None:
    """The ts of the message tagged `hub_id` among the channel's newest messages (a thread's
    replies when `thread_ts` is given), or None."""
    bounds: dict[str, Any] = {"include_all_metadata": True, "limit": PAGE_SIZE}
    if (oldest := oldest_ts(created_at)) is not None:
        bounds["oldest"] = oldest
    seen, cursor = 0, None
    while seen < RECONCILE_MAX_MESSAGES:
        if cursor:
            bounds["cursor"] = cursor
        if thread_ts is None:
            answer = await client.conversations_history(channel=channel, **bounds)
        else:
            try:
                answer = await client.conversations_replies(channel=channel, ts=thread_ts, **bounds)
            except SlackApiError as exc:
                if error_code(exc) == THREAD_GONE:  # its parent deleted: no reply to find
                    return None
                raise
        messages: list[dict[str, Any]] = answer.get("messages") or []
        for message in messages:
            if message.get("ts") != thread_ts and _tagged(message, hub_id):
                return str(message["ts"])
        seen += len(messages)
        cursor = (answer.get("response_metadata") or {}).get("next_cursor")
        if not cursor or not messages:
            return None
    return None
