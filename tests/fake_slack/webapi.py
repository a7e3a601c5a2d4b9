"""The Web API endpoint: `{GET,POST} /api/{method}`, as slack_sdk sends it.

Params are merged from the query string, a form body and a JSON body; the token comes from
`Authorization: Bearer` (or a `token` param). Order per request: log the call → outage →
injected failure → auth → rate limit → apply → slow / lost answer → answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tests.fake_slack.config import FakeSlackConfig
from tests.fake_slack.faults import Call, Faults
from tests.fake_slack.methods import APP_TOKEN_METHODS, METHODS, Context
from tests.fake_slack.workspace import SlackError, Workspace

Emit = Callable[[list[dict[str, Any]]], Awaitable[None]]


async def read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise SlackError("invalid_json") from None
            if isinstance(body, dict):
                params.update(body)
        else:
            params.update(await request.post())
    return params


def answer(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(body, status=status, headers=headers)


class WebApi:
    def __init__(
        self,
        ws: Workspace,
        config: FakeSlackConfig,
        faults: Faults,
        calls: list[Call],
        emit: Emit,
        socket_url: Callable[[], str],
    ) -> None:
        self.ws = ws
        self.config = config
        self.faults = faults
        self.calls = calls
        self.emit = emit
        self.socket_url = socket_url

    async def handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        try:
            params = await read_params(request)
        except SlackError as error:
            return answer({"ok": False, "error": error.code})
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        token = token or str(params.pop("token", "") or "")
        params.pop("token", None)
        channel = params.get("channel")
        call = Call(method, params, time.time(), str(channel) if channel else None)
        self.calls.append(call)

        if self.faults.is_down:
            return self.refuse(call, 503, "service_unavailable")
        failure = self.faults.take_failure(method)
        if failure is not None:
            return self.refuse(call, failure.status, failure.error or "fatal_error")
        auth_error = self.auth_error(method, token)
        if auth_error:
            return self.refuse(call, 200, auth_error)
        retry_after = self.faults.check_rate(method, call.channel)
        if retry_after is not None:
            call.status, call.error = 429, "ratelimited"
            body = {"ok": False, "error": "ratelimited"}
            return answer(body, 429, {"Retry-After": str(retry_after)})

        implementation = METHODS.get(method)
        if implementation is None:
            return self.refuse(call, 200, "unknown_method")
        ctx = Context(self.ws, self.config, self.socket_url)
        try:
            body = {"ok": True, **await implementation(ctx, params)}
        except SlackError as error:
            return self.refuse(call, 200, error.code)
        await self.emit(ctx.events)

        delay = self.faults.slowness.get(method, 0.0)
        if delay:
            await asyncio.sleep(delay)
        if self.faults.take_lost_answer(method):
            call.error = "answer_lost"
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # aiohttp drops the request without writing
        scopes = {"x-oauth-scopes": "chat:write,chat:write.customize,channels:history"}
        return answer(body, headers=scopes if method == "auth.test" else None)

    def auth_error(self, method: str, token: str) -> str | None:
        if not token:
            return "not_authed"
        if self.ws.tokens_revoked or token not in (self.ws.bot_token, self.ws.app_token):
            return "invalid_auth"
        wants_app_token = method in APP_TOKEN_METHODS
        if (token == self.ws.app_token) != wants_app_token:
            return "not_allowed_token_type"
        return None

    @staticmethod
    def refuse(call: Call, status: int, error: str) -> web.Response:
        call.status, call.error = status, error
        return answer({"ok": False, "error": error}, status)
