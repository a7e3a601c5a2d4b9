"""The Web API methods: merged request params in, a response body (and the events the call
caused) out. Logical errors are raised as SlackError; transport concerns live in webapi.py."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fake_slack import shapes
from tests.fake_slack.config import FakeSlackConfig
from tests.fake_slack.workspace import Channel, Message, SlackError, Workspace, ts_key

Params = dict[str, Any]


@dataclass
class Context:
    """What one call may touch; events it causes are collected and emitted by the caller."""

    ws: Workspace
    config: FakeSlackConfig
    socket_url: Callable[[], str]
    events: list[dict[str, Any]] = field(default_factory=list)


Method = Callable[[Context, Params], Awaitable[dict[str, Any]]]


def text_param(params: Params, key: str, required: bool = False) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        if required:
            raise SlackError("invalid_arguments")
        return None
    return str(value)


def bool_param(params: Params, key: str, default: bool = False) -> bool:
    value = params.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true")


def limit_param(ctx: Context, params: Params) -> int:
    try:
        limit = int(params.get("limit") or ctx.config.default_page_limit)
    except ValueError:
        raise SlackError("invalid_limit") from None
    return max(1, min(limit, ctx.config.max_page_limit))


def json_param(params: Params, key: str) -> Any:
    """A structured arg: a real object in JSON bodies, a JSON string in query/form params."""
    value = params.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise SlackError(f"invalid_{key}") from None
    return value


def writable_channel(ctx: Context, params: Params) -> Channel:
    channel = ctx.ws.channel(text_param(params, "channel") or "")
    if channel.archived:
        raise SlackError("is_archived")
    if not channel.bot_member:
        raise SlackError("not_in_channel")
    return channel


def check_text(ctx: Context, text: str | None, params: Params) -> str:
    if text is None and not params.get("blocks") and not params.get("attachments"):
        raise SlackError("no_text")
    if text is not None and len(text) > ctx.config.max_text_length:
        raise SlackError("msg_too_long")
    return text or ""


def page(items: list[Message], cursor: str | None, limit: int) -> tuple[list[Message], str]:
    """One page of `items` (already in answer order) and the next cursor ("" at the end)."""
    start = 0
    if cursor:
        try:
            after = base64.b64decode(cursor).decode().removeprefix("next_ts:")
            start = next(i for i, m in enumerate(items) if m.ts == after)
        except (ValueError, StopIteration):
            raise SlackError("invalid_cursor") from None
    chunk = items[start : start + limit]
    rest = items[start + limit :]
    next_cursor = base64.b64encode(f"next_ts:{rest[0].ts}".encode()).decode() if rest else ""
    return chunk, next_cursor


def in_range(ts: str, oldest: str | None, latest: str | None, inclusive: bool) -> bool:
    key = ts_key(ts)
    if oldest and (key < ts_key(oldest) or (key == ts_key(oldest) and not inclusive)):
        return False
    return not (latest and (key > ts_key(latest) or (key == ts_key(latest) and not inclusive)))


# --- auth and apps --------------------------------------------------------------------------


async def auth_test(ctx: Context, params: Params) -> dict[str, Any]:
    ws = ctx.ws
    return {
        "url": "https://taskflow-fake.slack.com/",
        "team": ws.team_name,
        "user": ws.users[ws.bot_user_id].name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


async def apps_connections_open(ctx: Context, params: Params) -> dict[str, Any]:
    return {"url": ctx.socket_url()}


# --- chat -----------------------------------------------------------------------------------


async def chat_post_message(ctx: Context, params: Params) -> dict[str, Any]:
    ws = ctx.ws
    channel = writable_channel(ctx, params)
    text = check_text(ctx, text_param(params, "text"), params)
    metadata = json_param(params, "metadata")
    if metadata is not None and not (isinstance(metadata, dict) and "event_type" in metadata):
        raise SlackError("invalid_metadata_format")
    username = text_param(params, "username")
    icon_url, icon_emoji = text_param(params, "icon_url"), text_param(params, "icon_emoji")
    as_bot_message = ctx.config.bot_message_on_override and bool(username or icon_url)
    message = Message(
        channel=channel.id,
        ts=ws.next_ts(),
        text=text,
        user=None if as_bot_message else ws.bot_user_id,
        team=ws.team_id,
        bot_id=ws.bot_id,
        app_id=ws.app_id,
        subtype="bot_message" if as_bot_message else None,
        username=username,
        icon_url=icon_url,
        icon_emoji=icon_emoji,
        metadata=metadata,
        blocks=json_param(params, "blocks"),
        unfurl_links=bool_param(params, "unfurl_links") if "unfurl_links" in params else None,
        unfurl_media=bool_param(params, "unfurl_media") if "unfurl_media" in params else None,
    )
    ws.store(message, text_param(params, "thread_ts"))
    if bool_param(params, "reply_broadcast") and message.thread_ts:
        message.subtype = "thread_broadcast"
    ctx.events.append(shapes.message_event(ws, channel, message))
    return {"channel": channel.id, "ts": message.ts, "message": shapes.message_json(ws, message)}


def own_message(ctx: Context, params: Params, refusal: str) -> tuple[Channel, Message]:
    channel = ctx.ws.channel(text_param(params, "channel") or "")
    message = ctx.ws.message(channel, text_param(params, "ts") or "")
    if message.bot_id != ctx.ws.bot_id:
        raise SlackError(refusal)
    return channel, message


async def chat_update(ctx: Context, params: Params) -> dict[str, Any]:
    channel, message = own_message(ctx, params, "cant_update_message")
    if channel.archived:
        raise SlackError("is_archived")
    text = check_text(ctx, text_param(params, "text"), params)
    previous, current = ctx.ws.edit(channel, message.ts, text, ctx.ws.bot_user_id)
    metadata = json_param(params, "metadata")
    if metadata is not None:
        current.metadata = metadata
    ctx.events.append(shapes.changed_event(ctx.ws, channel, previous, current))
    return {
        "channel": channel.id,
        "ts": current.ts,
        "text": current.text,
        "message": shapes.message_json(ctx.ws, current),
    }


async def chat_delete(ctx: Context, params: Params) -> dict[str, Any]:
    channel, message = own_message(ctx, params, "cant_delete_message")
    previous = ctx.ws.delete(channel, message.ts)
    ctx.events.append(shapes.deleted_event(ctx.ws, channel, previous))
    return {"channel": channel.id, "ts": previous.ts}


async def chat_post_ephemeral(ctx: Context, params: Params) -> dict[str, Any]:
    channel = writable_channel(ctx, params)
    user = ctx.ws.user(text_param(params, "user", required=True) or "")
    text = check_text(ctx, text_param(params, "text"), params)
    ts = ctx.ws.next_ts()
    ctx.ws.ephemerals.append(
        {"channel": channel.id, "user": user.id, "text": text, "ts": ts, "via": "chat"}
    )
    return {"message_ts": ts}


# --- conversations --------------------------------------------------------------------------


async def conversations_open(ctx: Context, params: Params) -> dict[str, Any]:
    users = [u for u in (text_param(params, "users") or "").split(",") if u]
    if len(users) != 1:
        raise SlackError("invalid_arguments" if not users else "not_implemented")
    channel, existed = ctx.ws.dm_channel(ctx.ws.user(users[0]).id)
    body = shapes.channel_json(channel) if bool_param(params, "return_im") else {"id": channel.id}
    return {"channel": body, "no_op": existed, "already_open": existed}


async def conversations_info(ctx: Context, params: Params) -> dict[str, Any]:
    channel = ctx.ws.channel(text_param(params, "channel") or "")
    return {"channel": shapes.channel_json(channel)}


def message_page(ctx: Context, params: Params, items: list[Message]) -> dict[str, Any]:
    inclusive = bool_param(params, "inclusive")
    oldest, latest = text_param(params, "oldest"), text_param(params, "latest")
    selected = [m for m in items if in_range(m.ts, oldest, latest, inclusive)]
    chunk, next_cursor = page(selected, text_param(params, "cursor"), limit_param(ctx, params))
    with_metadata = bool_param(params, "include_all_metadata")
    return {
        "messages": [shapes.message_json(ctx.ws, m, with_metadata) for m in chunk],
        "has_more": bool(next_cursor),
        "response_metadata": {"next_cursor": next_cursor},
    }


async def conversations_history(ctx: Context, params: Params) -> dict[str, Any]:
    channel = ctx.ws.channel(text_param(params, "channel", required=True) or "")
    return message_page(ctx, params, ctx.ws.history(channel))


async def conversations_replies(ctx: Context, params: Params) -> dict[str, Any]:
    channel = ctx.ws.channel(text_param(params, "channel", required=True) or "")
    thread = ctx.ws.thread(channel, text_param(params, "ts", required=True) or "")
    parent, replies = thread[0], thread[1:]
    answer = message_page(ctx, params, replies)
    if not text_param(params, "cursor"):  # the parent always leads the first page
        with_metadata = bool_param(params, "include_all_metadata")
        answer["messages"].insert(0, shapes.message_json(ctx.ws, parent, with_metadata))
    return answer


# --- users ----------------------------------------------------------------------------------


async def users_info(ctx: Context, params: Params) -> dict[str, Any]:
    user = ctx.ws.users.get(text_param(params, "user", required=True) or "")
    if user is None:
        raise SlackError("user_not_found")
    return {"user": shapes.user_json(user)}


async def users_list(ctx: Context, params: Params) -> dict[str, Any]:
    members = list(ctx.ws.users.values())
    limit = limit_param(ctx, params)
    try:
        start = int(base64.b64decode(params["cursor"]).decode()) if params.get("cursor") else 0
    except ValueError:
        raise SlackError("invalid_cursor") from None
    rest = members[start + limit :]
    next_cursor = base64.b64encode(str(start + limit).encode()).decode() if rest else ""
    return {
        "members": [shapes.user_json(u) for u in members[start : start + limit]],
        "response_metadata": {"next_cursor": next_cursor},
    }


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "apps.connections.open": apps_connections_open,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.postEphemeral": chat_post_ephemeral,
    "conversations.open": conversations_open,
    "conversations.info": conversations_info,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "users.info": users_info,
    "users.list": users_list,
}
# Methods that take the app-level token (xapp-); every other one takes the bot token.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
