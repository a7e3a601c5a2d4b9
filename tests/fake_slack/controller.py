"""FakeSlack: the controller a test holds. It serves the Web API and Socket Mode on a free
127.0.0.1 port, acts as Slack users, injects faults, and exposes what it saw."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from tests.fake_slack import shapes
from tests.fake_slack.commands import CommandAnswers
from tests.fake_slack.config import FakeSlackConfig
from tests.fake_slack.events_http import Attempt, HttpEvents
from tests.fake_slack.faults import Call, Faults, Violation
from tests.fake_slack.socket_mode import Delivery, SocketModeServer
from tests.fake_slack.webapi import WebApi
from tests.fake_slack.workspace import Channel, Message, SlackError, Workspace, ts_key


class FakeSlack:
    """One workspace with the app installed; see the package docstring for a tour."""

    def __init__(self, config: FakeSlackConfig | None = None) -> None:
        self.config = config or FakeSlackConfig()
        self.workspace = Workspace()
        self.faults = Faults()
        self.calls: list[Call] = []
        self.socket = SocketModeServer(self.config, self.workspace.app_id, self._on_ack)
        self.socket_mode_enabled = True
        self.http_events: HttpEvents | None = None
        self.events: list[dict[str, Any]] = []
        self._web = WebApi(
            self.workspace, self.config, self.faults, self.calls, self._emit, self._socket_url
        )
        self._runner: web.AppRunner | None = None
        self._port = 0
        self.commands = CommandAnswers(self.workspace)

    # --- running -------------------------------------------------------------------------

    @classmethod
    @asynccontextmanager
    async def running(cls, **config: Any) -> AsyncIterator[FakeSlack]:
        """`async with FakeSlack.running(ack_timeout_s=0.5) as slack:` (FakeSlackConfig fields)."""
        fake = cls(FakeSlackConfig(**config))
        await fake.start()
        try:
            yield fake
        finally:
            await fake.stop()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._web.handle)
        app.router.add_get("/link/", self.socket.handle)
        app.router.add_post("/_fake/respond/{command_id}", self.commands.handle_response_url)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self.socket.start()

    async def stop(self) -> None:
        await self.socket.stop()
        if self.http_events is not None:
            await self.http_events.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        """For `AsyncWebClient(base_url=slack.api_url)`."""
        return f"{self.base_url}/api/"

    def _socket_url(self) -> str:
        ticket = self.socket.new_ticket()
        return f"ws://127.0.0.1:{self._port}/link/?ticket={ticket}&app_id={self.workspace.app_id}"

    # --- identities ----------------------------------------------------------------------

    @property
    def team_id(self) -> str:
        return self.workspace.team_id

    @property
    def bot_token(self) -> str:
        return self.workspace.bot_token

    @property
    def app_token(self) -> str:
        return self.workspace.app_token

    @property
    def bot_user_id(self) -> str:
        return self.workspace.bot_user_id

    @property
    def bot_id(self) -> str:
        return self.workspace.bot_id

    @property
    def app_id(self) -> str:
        return self.workspace.app_id

    # --- seeding -------------------------------------------------------------------------

    def add_user(self, name: str, real_name: str | None = None) -> str:
        return self.workspace.add_user(name, real_name).id

    def add_channel(
        self, name: str, private: bool = False, archived: bool = False, bot_member: bool = True
    ) -> str:
        return self.workspace.add_channel(name, private, archived, bot_member).id

    def dm_channel(self, user: str) -> str:
        """The id of the bot's DM with `user` (id or name), opened if needed."""
        return self.workspace.dm_channel(self.workspace.user(user).id)[0].id

    def archive(self, channel: str) -> None:
        self.workspace.channel(channel).archived = True

    def kick_bot(self, channel: str) -> None:
        self.workspace.channel(channel).bot_member = False

    # --- what users do in Slack ----------------------------------------------------------

    async def user_posts(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> str:
        """A person posts (or replies in a thread); returns the new message's ts."""
        ws = self.workspace
        target, author = self._open_channel(channel), ws.user(user)
        message = Message(
            channel=target.id,
            ts=ws.next_ts(),
            text=text,
            user=author.id,
            team=ws.team_id,
            client_msg_id=secrets.token_hex(16),
            blocks=[{"type": "rich_text", "block_id": secrets.token_hex(3), "elements": []}],
        )
        ws.store(message, thread_ts)
        await self._emit([shapes.message_event(ws, target, message)])
        return message.ts

    async def user_edits(self, channel: str, ts: str, text: str) -> None:
        target = self._open_channel(channel)
        editor = self.workspace.message(target, ts).user or self.bot_user_id
        previous, current = self.workspace.edit(target, ts, text, editor)
        await self._emit([shapes.changed_event(self.workspace, target, previous, current)])

    async def user_deletes(self, channel: str, ts: str) -> None:
        target = self._open_channel(channel)
        previous = self.workspace.delete(target, ts)
        await self._emit([shapes.deleted_event(self.workspace, target, previous)])

    async def user_runs_command(
        self, command: str, text: str, user: str, channel: str
    ) -> dict[str, str]:
        """A person runs a slash command; returns the payload sent to the app."""
        ws = self.workspace
        command_id, url = self.commands.new_response_url(self.base_url)
        fields = shapes.slash_command(
            ws, command, text, ws.user(user), self._open_channel(channel), url
        )
        self.commands.remember(command_id, fields)
        if self.socket_mode_enabled:
            await self.socket.enqueue("slash_commands", fields, accepts_response_payload=True)
        if self.http_events is not None:
            task = self.http_events.deliver_command(fields)
            task.add_done_callback(lambda done: self._on_command_answer(fields, done))
        return fields

    def _open_channel(self, ref: str) -> Channel:
        channel = self.workspace.channel(ref)
        if channel.archived:
            raise SlackError("is_archived")
        return channel

    # --- event delivery ------------------------------------------------------------------

    def deliver_events_to(self, url: str, signing_secret: str, socket_mode: bool = False) -> None:
        """Send events (and slash commands) to an Events API URL; Socket Mode off unless asked."""
        self.http_events = HttpEvents(self.config, url, signing_secret)
        self.socket_mode_enabled = socket_mode

    async def url_verification(self, challenge: str = "") -> bool:
        """Slack's URL check: True when the app echoed the challenge."""
        assert self.http_events is not None, "call deliver_events_to first"
        challenge = challenge or secrets.token_urlsafe(24)
        attempt = await self.http_events.verify_url(challenge)
        return attempt.status == 200 and challenge.encode() in attempt.answer

    async def _emit(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            channel = self.workspace.channels.get(event.get("channel", ""))
            if channel is not None and not (channel.bot_member or channel.is_im):
                continue  # Slack sends channel events only where the bot is a member
            payload = shapes.event_callback(self.workspace, event)
            self.events.append(payload)
            if self.socket_mode_enabled:
                await self.socket.enqueue("events_api", payload)
            if self.http_events is not None:
                self.http_events.deliver_event(payload)

    def _on_ack(self, delivery: Delivery) -> None:
        if delivery.type == "slash_commands" and delivery.ack_payload:
            self.commands.record(delivery.payload, delivery.ack_payload, "ack")

    def _on_command_answer(self, fields: dict[str, str], task: asyncio.Task[Attempt]) -> None:
        if not task.cancelled() and task.exception() is None:
            attempt = task.result()
            self.commands.record_http_answer(fields, attempt.status, attempt.answer)

    # --- faults --------------------------------------------------------------------------

    def rate_limit(
        self,
        method: str = "chat.postMessage",
        per_channel_per_s: float | None = None,
        per_s: float | None = None,
        burst: int = 1,
    ) -> None:
        """Answer 429 + integer Retry-After beyond `per_channel_per_s` (or `per_s` overall)."""
        self.faults.rate_limit(method, per_channel_per_s, per_s, burst)

    @property
    def retry_after_violations(self) -> list[Violation]:
        return self.faults.retry_after_violations

    def fail_next(
        self, method: str, status: int | None = None, times: int = 1, error: str | None = None
    ) -> None:
        """The next `times` calls of `method` fail before anything is applied: with `status`
        (default 500), or with a logical `error` such as "channel_not_found" (HTTP 200)."""
        self.faults.fail_next(method, status or (200 if error else 500), times, error)

    def slow(self, method: str, seconds: float) -> None:
        """Calls of `method` are applied at once, then answered `seconds` later (0 to stop)."""
        self.faults.slowness[method] = seconds

    def lose_answer(self, method: str, times: int = 1) -> None:
        """The next `times` calls are applied, then the connection is dropped unanswered."""
        self.faults.lost_answers[method] = self.faults.lost_answers.get(method, 0) + times

    def down(self) -> None:
        """Every call answers 503; sockets are cut and new ones refused, until `up()`."""
        self.faults.is_down = True
        self.socket.refusing = True
        self.socket.drop()

    def up(self) -> None:
        """End the outage; queued events go out when the app's socket reconnects."""
        self.faults.is_down = False
        self.socket.refusing = False

    def revoke_token(self) -> None:
        """Both tokens stop working (`invalid_auth` everywhere) and open sockets are closed."""
        self.workspace.tokens_revoked = True
        self.socket.refusing = True
        self.socket.drop()

    def restore_token(self) -> None:
        self.workspace.tokens_revoked = False
        self.socket.refusing = False

    def drop_socket(self) -> None:
        """Cut every open Socket Mode connection without a close frame."""
        self.socket.drop()

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        await self.socket.disconnect(reason)

    # --- inspection ----------------------------------------------------------------------

    def messages(self, channel: str, include_deleted: bool = False) -> list[Message]:
        """Every message of a channel, thread replies included, oldest first."""
        target = self.workspace.channel(channel)
        if include_deleted:
            return sorted(target.messages.values(), key=lambda m: ts_key(m.ts))
        return self.workspace.live_messages(target)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """Ephemeral messages: chat.postEphemeral calls and slash-command answers."""
        return self.workspace.ephemerals

    @property
    def socket_connected(self) -> asyncio.Event:
        """Set while at least one Socket Mode connection is open."""
        return self.socket.socket_connected

    @property
    def connections(self) -> int:
        """Socket Mode connections accepted so far."""
        return self.socket.connections_total

    async def wait_for_connections(self, total: int = 1, timeout: float = 5.0) -> None:
        await self.socket.wait_for_connections(total, timeout)

    @property
    def deliveries(self) -> list[Delivery]:
        """Socket Mode envelopes in the order they were queued, with attempts and acks."""
        return self.socket.deliveries

    @property
    def http_attempts(self) -> list[Attempt]:
        return self.http_events.attempts if self.http_events else []

    async def wait_until(
        self, condition: Callable[[], Any], timeout: float = 5.0, what: str = ""
    ) -> None:
        """Poll `condition` until it is true; a TimeoutError names `what` was awaited."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"fake slack: still waiting for {what or condition}")
            await asyncio.sleep(0.01)
