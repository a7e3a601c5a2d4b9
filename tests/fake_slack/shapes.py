"""JSON shapes Slack sends: user, conversation and message objects, message events, the
`event_callback` wrapper and the slash-command payload. One builder per object type."""

from __future__ import annotations

import secrets
import time
from typing import Any

from tests.fake_slack.workspace import Channel, Message, User, Workspace


def user_json(user: User) -> dict[str, Any]:
    profile = {
        "real_name": user.real_name,
        "display_name": user.name,
        "image_48": user.image_url.replace("_72", "_48"),
        "image_72": user.image_url,
        "image_192": user.image_url.replace("_72", "_192"),
    }
    return {
        "id": user.id,
        "team_id": user.team_id,
        "name": user.name,
        "real_name": user.real_name,
        "deleted": user.deleted,
        "is_bot": user.is_bot,
        "profile": profile,
    }


def channel_json(channel: Channel) -> dict[str, Any]:
    if channel.is_im:
        return {
            "id": channel.id,
            "created": channel.created,
            "is_im": True,
            "is_org_shared": False,
            "user": channel.dm_user,
            "is_user_deleted": False,
        }
    return {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "created": channel.created,
        "is_channel": not channel.is_private,
        "is_group": channel.is_private,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "is_archived": channel.archived,
        "is_general": False,
        "is_member": channel.bot_member,
    }


def bot_profile(ws: Workspace) -> dict[str, Any]:
    return {
        "id": ws.bot_id,
        "app_id": ws.app_id,
        "name": ws.users[ws.bot_user_id].name,
        "team_id": ws.team_id,
        "deleted": False,
        "icons": {"image_48": "https://avatars.fake-slack.test/bot_48.png"},
    }


def message_json(ws: Workspace, m: Message, with_metadata: bool = True) -> dict[str, Any]:
    """A message as conversations.history / chat.postMessage return it."""
    out: dict[str, Any] = {"type": "message", "ts": m.ts, "text": m.text}
    optional = {
        "subtype": m.subtype,
        "user": m.user,
        "team": m.team,
        "bot_id": m.bot_id,
        "app_id": m.app_id,
        "username": m.username,
        "client_msg_id": m.client_msg_id,
        "blocks": m.blocks,
        "edited": m.edited,
        "thread_ts": m.thread_ts,
    }
    out.update({key: value for key, value in optional.items() if value is not None})
    if m.bot_id:
        out["bot_profile"] = bot_profile(ws)
    if m.icon_url or m.icon_emoji:
        out["icons"] = {"image_48": m.icon_url} if m.icon_url else {"emoji": m.icon_emoji}
    if m.thread_ts and m.thread_ts != m.ts:
        out["parent_user_id"] = m.parent_user_id
    elif m.reply_ts:
        out["reply_count"] = m.reply_count
        out["reply_users_count"] = len(m.reply_users)
        out["reply_users"] = list(m.reply_users)
        out["latest_reply"] = m.reply_ts[-1]
    if with_metadata and m.metadata is not None:
        out["metadata"] = m.metadata
    return out


def message_event(ws: Workspace, channel: Channel, m: Message) -> dict[str, Any]:
    """The `message` event for a new message (user post, thread reply or bot post)."""
    event = message_json(ws, m)
    event.update({"channel": channel.id, "event_ts": m.ts, "channel_type": channel.channel_type})
    return event


def changed_event(
    ws: Workspace, channel: Channel, previous: Message, current: Message
) -> dict[str, Any]:
    ts = ws.next_ts()
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel.id,
        "channel_type": channel.channel_type,
        "ts": ts,
        "event_ts": ts,
        "message": message_json(ws, current),
        "previous_message": message_json(ws, previous),
    }


def deleted_event(ws: Workspace, channel: Channel, previous: Message) -> dict[str, Any]:
    ts = ws.next_ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": channel.id,
        "channel_type": channel.channel_type,
        "ts": ts,
        "event_ts": ts,
        "deleted_ts": previous.ts,
        "previous_message": message_json(ws, previous),
    }


def event_callback(ws: Workspace, event: dict[str, Any]) -> dict[str, Any]:
    """The Events API body (also the Socket Mode `events_api` payload) around one event."""
    return {
        "token": "fake-verification-token",
        "team_id": ws.team_id,
        "context_team_id": ws.team_id,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": "Ev" + secrets.token_hex(5).upper(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_hex(16),
    }


def slash_command(
    ws: Workspace, command: str, text: str, user: User, channel: Channel, response_url: str
) -> dict[str, str]:
    """The slash-command fields (form fields over HTTP, an object in Socket Mode)."""
    return {
        "token": "fake-verification-token",
        "team_id": ws.team_id,
        "team_domain": "taskflow-fake",
        "channel_id": channel.id,
        "channel_name": "directmessage" if channel.is_im else channel.name,
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{secrets.randbelow(10**10)}.{secrets.token_hex(8)}",
    }
