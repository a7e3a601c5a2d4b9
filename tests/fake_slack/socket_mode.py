"""The Socket Mode server: WebSocket connections from apps.connections.open URLs, `hello`,
envelopes, acks, redelivery of unacked events, `disconnect`, abrupt drops.

Each envelope goes to one open connection (round robin). Events queued while no socket is
open are sent, in order, when one connects. A redelivery gets a new envelope_id and
`retry_attempt`/`retry_reason`; an ack of any of its envelope ids acks the delivery."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fake_slack.config import FakeSlackConfig


@dataclass
class Delivery:
    """One envelope's life: sent attempts, the ack and its payload."""

    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    envelope_ids: list[str] = field(default_factory=list)
    sent_at: float | None = None
    attempts: int = 0
    acked_at: float | None = None
    ack_payload: dict[str, Any] | None = None
    given_up: bool = False

    @property
    def acked(self) -> bool:
        return self.acked_at is not None

    def envelope(self) -> dict[str, Any]:
        envelope: dict[str, Any] = {
            "envelope_id": self.envelope_ids[-1],
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            envelope["retry_attempt"] = self.attempts - 1
            envelope["retry_reason"] = "timeout" if self.attempts > 1 else ""
        return envelope


@dataclass(eq=False)
class Connection:
    ws: web.WebSocketResponse
    request: web.Request
    opened_at: float


class SocketModeServer:
    def __init__(
        self,
        config: FakeSlackConfig,
        app_id: str,
        on_ack: Callable[[Delivery], None],
    ) -> None:
        self.config = config
        self.app_id = app_id
        self.on_ack = on_ack
        self.refusing = False
        self.tickets: set[str] = set()
        self.open: list[Connection] = []
        self.connections_total = 0
        self.socket_connected = asyncio.Event()
        self.deliveries: list[Delivery] = []
        self._by_envelope: dict[str, Delivery] = {}
        self._round_robin = itertools.count()
        self._changed = asyncio.Condition()
        self._redeliverer: asyncio.Task[None] | None = None
        self._closers: set[asyncio.Task[None]] = set()

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        self._redeliverer = asyncio.create_task(self._redeliver_forever())

    async def stop(self) -> None:
        if self._redeliverer is not None:
            self._redeliverer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._redeliverer
        for closer in list(self._closers):
            closer.cancel()
        for connection in list(self.open):
            await connection.ws.close(code=1001, message=b"fake slack stopping")

    def new_ticket(self) -> str:
        ticket = str(uuid.uuid4())
        self.tickets.add(ticket)
        return ticket

    # --- the WebSocket endpoint ----------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.refusing:
            return web.Response(status=503, text="service unavailable")
        if request.query.get("ticket") not in self.tickets:
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        connection = Connection(ws, request, time.monotonic())
        self.open.append(connection)
        self.connections_total += 1
        await ws.send_str(json.dumps(self._hello()))
        self.socket_connected.set()
        await self._notify()
        await self.flush()
        try:
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    self._on_frame(frame.data)
        finally:
            self.open.remove(connection)
            if not self.open:
                self.socket_connected.clear()
            await self._notify()
        return ws

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self.open),
            "debug_info": {
                "host": "fake-slack-127.0.0.1",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    def _on_frame(self, data: str) -> None:
        try:
            frame = json.loads(data)
        except ValueError:
            return
        delivery = self._by_envelope.get(frame.get("envelope_id", "")) if frame else None
        if delivery is None or delivery.acked:
            return
        delivery.acked_at = time.monotonic()
        delivery.ack_payload = frame.get("payload")
        self.on_ack(delivery)

    # --- sending -------------------------------------------------------------------------

    async def enqueue(
        self, type_: str, payload: dict[str, Any], accepts_response_payload: bool = False
    ) -> Delivery:
        delivery = Delivery(type_, payload, accepts_response_payload)
        self.deliveries.append(delivery)
        await self._send(delivery)
        return delivery

    async def flush(self) -> None:
        """Send, in order, every delivery that has not gone out yet."""
        for delivery in self.deliveries:
            if delivery.sent_at is None and not delivery.given_up:
                await self._send(delivery)

    async def _send(self, delivery: Delivery) -> None:
        if not self.open or self.refusing:
            return
        connection = self.open[next(self._round_robin) % len(self.open)]
        envelope_id = str(uuid.uuid4())
        delivery.envelope_ids.append(envelope_id)
        self._by_envelope[envelope_id] = delivery
        delivery.attempts += 1
        delivery.sent_at = time.monotonic()
        try:
            await connection.ws.send_str(json.dumps(delivery.envelope()))
        except (ConnectionError, RuntimeError):
            delivery.sent_at = None  # the socket died under us: send again on the next one
            delivery.attempts -= 1

    async def _redeliver_forever(self) -> None:
        tick = min(0.05, self.config.ack_timeout_s / 4)
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            for delivery in self.deliveries:
                late = delivery.sent_at is not None and (
                    now - delivery.sent_at > self.config.ack_timeout_s
                )
                if delivery.acked or delivery.given_up or not late:
                    continue
                if (
                    delivery.type != "events_api"
                    or delivery.attempts > self.config.max_redeliveries
                ):
                    delivery.given_up = True
                    continue
                await self._send(delivery)

    # --- faults --------------------------------------------------------------------------

    def drop(self) -> None:
        """Cut every open socket at the TCP level: no close frame."""
        for connection in self.open:
            if connection.request.transport is not None:
                connection.request.transport.abort()

    async def disconnect(self, reason: str) -> None:
        """Send `disconnect` to every open socket; close the ones still open after the grace."""
        stale = list(self.open)
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-slack"}}
        for connection in stale:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await connection.ws.send_str(json.dumps(message))
        closer = asyncio.create_task(self._close_later(stale))
        self._closers.add(closer)
        closer.add_done_callback(self._closers.discard)

    async def _close_later(self, connections: list[Connection]) -> None:
        await asyncio.sleep(self.config.disconnect_grace_s)
        for connection in connections:
            if connection in self.open:
                await connection.ws.close(code=1001, message=b"disconnect")

    # --- observation ---------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for_connections(self, total: int, timeout: float) -> None:
        """Until `total` connections have been made in all and one is open now."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(
                lambda: self.connections_total >= total and bool(self.open)
            )
