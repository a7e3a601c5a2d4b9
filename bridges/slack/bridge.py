"""The Slack bridge: slack-bolt's AsyncApp over Socket Mode (HUB_SLACK_APP_TOKEN) or the
Events API over HTTP (`POST /bridges/slack/events`, signed with HUB_SLACK_SIGNING_SECRET),
every Web API call to HUB_SLACK_API_URL.

What it takes in goes to the `InboundSink` (bridges.slack.inbound); what it sends is one
outbox delivery at a time (bridges.slack.outbound). slack_sdk's retry handlers are left out
on purpose: its default one re-sends a `chat.postMessage` whose connection dropped after
Slack applied it; the outbox retries instead, and looks the post up first.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import ClassVar

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bridges.protocol import BadCredentials, Capabilities, Delivery, InboundSink, Sent
from bridges.slack.bot import BotIdentity
from bridges.slack.errors import REFUSED_TOKENS
from bridges.slack.inbound import SlackInbound
from bridges.slack.outbound import SlackOutbound
from bridges.tools import BridgeTools

SOCKET_CONNECT_TIMEOUT_S = 10.0
"""Longest wait for the Socket Mode WebSocket to open; slack_sdk itself would retry for ever."""


@dataclass(frozen=True, slots=True)
class SlackSettings:
    bot_token: str
    app_token: str | None  # Socket Mode when set
    signing_secret: str | None  # the Events API over HTTP (without an app token)
    api_url: str
    call_timeout_s: float = 10.0
    connection_check_s: float = 1.0  # how often a Socket Mode connection is checked


class SlackBridge:
    platform: ClassVar[str] = "slack"
    capabilities: ClassVar[Capabilities] = Capabilities(max_text_chars=40_000)

    def __init__(self, settings: SlackSettings, tools: BridgeTools) -> None:
        self.settings = settings
        self.tools = tools
        self.client = AsyncWebClient(
            token=settings.bot_token,
            base_url=settings.api_url,
            timeout=int(max(1, settings.call_timeout_s)),
            retry_handlers=[],
        )
        self.outbound = SlackOutbound(self.client, tools)
        self.me: BotIdentity | None = None
        self._app: AsyncApp | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._stopped = asyncio.Event()

    async def start(self, sink: InboundSink) -> None:
        """Check the token (auth.test), listen (Socket Mode, or answer HTTP events), then
        fetch what was written in linked channels while the bridge was away."""
        self._stopped.clear()
        self.me = await self._who_am_i()
        app = AsyncApp(
            client=self.client,
            signing_secret=self.settings.signing_secret or "",
            request_verification_enabled=bool(self.settings.signing_secret),
            process_before_response=True,
        )
        inbound = SlackInbound(self.client, self.tools, self.me, sink)
        inbound.register(app)
        if self.settings.app_token:
            await self._connect_socket(app, self.settings.app_token)
        self._app = app
        await inbound.catch_up()

    async def wait_closed(self) -> None:
        """Returns when the Socket Mode connection is lost (the supervisor then restarts the
        bridge, which catches up); over HTTP, when the bridge is stopped."""
        while not self._stopped.is_set():
            if self._socket is not None and not await self._socket.client.is_connected():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), self.settings.connection_check_s)

    async def stop(self) -> None:
        self._stopped.set()
        self._app = None
        if self._socket is not None:
            socket, self._socket = self._socket, None
            with contextlib.suppress(Exception):
                await socket.close_async()  # type: ignore[no-untyped-call]

    async def send(self, delivery: Delivery) -> Sent:
        return await self.outbound.send(delivery)

    async def handle_http(self, request: web.Request) -> web.Response:
        """`POST /bridges/slack/events`: Bolt verifies the signature and the timestamp (older
        than 5 minutes: 401), answers url_verification, and runs the listeners."""
        if self._app is None:
            return web.json_response({"error": "the Slack bridge is not connected"}, status=503)
        response = await self._app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _connect_socket(self, app: AsyncApp, app_token: str) -> None:
        """Open Socket Mode with a URL asked for here, so that a refused app token raises
        BadCredentials (slack_sdk would retry it for ever). The socket does not reconnect by
        itself: a lost connection ends `wait_closed`, and the supervisor's restart catches
        up on what was missed."""
        try:
            opened = await self.client.apps_connections_open(app_token=app_token)
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if error in REFUSED_TOKENS:
                raise BadCredentials(f"app token: {error}") from None
            raise
        self._socket = AsyncSocketModeHandler(app, app_token, web_client=self.client)
        socket = self._socket.client
        socket.wss_uri = str(opened["url"])
        socket.default_auto_reconnect_enabled = False
        socket.auto_reconnect_enabled = False
        await asyncio.wait_for(
            self._socket.connect_async(),  # type: ignore[no-untyped-call]
            SOCKET_CONNECT_TIMEOUT_S,
        )

    async def _who_am_i(self) -> BotIdentity:
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if error in REFUSED_TOKENS:
                raise BadCredentials(error) from None
            raise
        return BotIdentity(str(auth["user_id"]), auth.get("bot_id"), str(auth["team_id"]))
