"""Slash-command answers, whichever way the app gives them: the Socket Mode ack payload, the
HTTP answer body, or a POST to the command's `response_url`. Ephemeral unless the answer
says `"response_type": "in_channel"`."""

from __future__ import annotations

import json
import secrets
from typing import Any

from aiohttp import web

from tests.fake_slack.workspace import Workspace


class CommandAnswers:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.in_channel: list[dict[str, Any]] = []
        self._runs: dict[str, dict[str, str]] = {}

    def new_response_url(self, base_url: str) -> tuple[str, str]:
        """A fresh (command id, response_url) pair for one command run."""
        command_id = secrets.token_hex(8)
        return command_id, f"{base_url}/_fake/respond/{command_id}"

    def remember(self, command_id: str, fields: dict[str, str]) -> None:
        self._runs[command_id] = fields

    def record(self, fields: dict[str, str], body: dict[str, Any], via: str) -> None:
        entry = {
            "channel": fields["channel_id"],
            "user": fields["user_id"],
            "text": body.get("text", ""),
            "ts": self.ws.next_ts(),
            "via": via,
            "body": body,
        }
        if body.get("response_type") == "in_channel":
            self.in_channel.append(entry)
        else:
            self.ws.ephemerals.append(entry)

    def record_http_answer(self, fields: dict[str, str], status: int | None, raw: bytes) -> None:
        """The body of the app's 200 answer to a slash-command request, when it has one."""
        if status != 200 or not raw.strip():
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"text": raw.decode(errors="replace")}
        self.record(fields, body if isinstance(body, dict) else {"text": str(body)}, "ack")

    async def handle_response_url(self, request: web.Request) -> web.Response:
        fields = self._runs.get(request.match_info["command_id"])
        if fields is None:
            return web.Response(status=404, text="expired_url")
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        self.record(fields, body, "response_url")
        return web.Response(text="ok")
