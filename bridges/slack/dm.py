"""The text of a mention notification sent as a Slack DM: who mentioned you where, the
snippet quoted, and a link to it in the hub. Every piece of hub text is escaped."""

from __future__ import annotations

from typing import Any

from bridges.slack.text import escape


def _where(target: dict[str, Any]) -> str:
    if target.get("type") == "comment" and target.get("task") is not None:
        return f"a comment on task #{target['task']}"
    if target.get("type") == "message":
        return "a room message"
    return "TaskFlow"


def mention_dm_text(notification: dict[str, Any], public_url: str) -> str:
    actor = notification.get("actor") or {}
    who = actor.get("display_name") or actor.get("username") or "Someone"
    target: dict[str, Any] = notification.get("target") or {}
    url = escape(f"{public_url}{target.get('url', '/')}").replace("|", "%7C")
    lines = [f"*{escape(who)}* mentioned you in {_where(target)}:"]
    snippet = str(notification.get("snippet") or "")
    lines += [f"> {escape(line)}" for line in snippet.splitlines() or [""]]
    lines.append(f"<{url}|Open in TaskFlow>")
    return "\n".join(lines)
