"""One WebSocket client as the fan-out sees it: frames written straight to its socket.

A broadcast encodes its WebSocket frame once and writes the same bytes to every subscriber's
transport: no queue, task or object per delivery. The transport's buffer is the client's
backlog; a client whose unread backlog passes `max_buffer_bytes` is disconnected (close code
4008) and resumes with `since`, so nothing is dropped silently and nobody waits for it.

Each heartbeat tick (one timer for every socket: hub.realtime.open_connections) pings a
socket that has sent nothing for `heartbeat_s`, drops one that then sends nothing, not even
the pong, for another `heartbeat_s / 2`, and closes one whose login session has expired
(close code 4001: log in again).
"""

from __future__ import annotations

import asyncio
import struct
from datetime import datetime
from enum import StrEnum

import structlog
from aiohttp import WSCloseCode, WSMsgType, web

from hub.auth.sessions import Viewer

log = structlog.get_logger(__name__)

SLOW_CONSUMER_CLOSE = 4008
# The socket's login session ended (logout, expiry, a deactivated user): a client should not
# reconnect with the same credentials but log in again.
SESSION_ENDED_CLOSE = 4001
SESSION_ENDED_REASON = "the login session has ended: log in again"


class CloseReason(StrEnum):
    """Why a socket ended (the `reason` of /metrics' hub_ws_closed_total); CLIENT when the hub
    did not end it: the client closed it or the connection dropped."""

    CLIENT = "client"
    FRAME_BUDGET = "frame_budget"
    INVALID_FRAMES = "invalid_frames"
    SESSION_ENDED = "session_ended"
    SLOW_CONSUMER = "slow_consumer"
    HEARTBEAT_MISSED = "heartbeat_missed"
    SHUTDOWN = "shutdown"
    ERROR = "error"


# The close code and message the client gets for each reason the hub closes a socket for.
_CLOSE_FRAMES = {
    CloseReason.FRAME_BUDGET: (WSCloseCode.POLICY_VIOLATION, "too many frames"),
    CloseReason.INVALID_FRAMES: (WSCloseCode.POLICY_VIOLATION, "too many invalid frames"),
    CloseReason.SESSION_ENDED: (SESSION_ENDED_CLOSE, SESSION_ENDED_REASON),
    CloseReason.SLOW_CONSUMER: (
        SLOW_CONSUMER_CLOSE,
        "slow consumer: reconnect and resume with since",
    ),
}
_CLOSE_TIMEOUT_S = 2.0
_TEXT_FINAL = 0x81  # FIN + opcode 1 (text)
_PING = b"\x89\x00"  # FIN + opcode 9 (ping), no payload, unmasked
# Heartbeat ticks come every heartbeat_s / 2: a client heard nothing from for three ticks (more
# than heartbeat_s) is pinged, and dropped if still silent at the next one.
_PING_AFTER_TICKS = 3


def text_frame(payload: bytes) -> bytes:
    """`payload` as one unmasked, unfragmented text frame: what a server sends (RFC 6455 §5.2)."""
    length = len(payload)
    if length < 126:
        return struct.pack("!BB", _TEXT_FINAL, length) + payload
    if length < 65536:
        return struct.pack("!BBH", _TEXT_FINAL, 126, length) + payload
    return struct.pack("!BBQ", _TEXT_FINAL, 127, length) + payload


class Connection:
    __slots__ = (
        "_closer",
        "_closing",
        "_max_buffer",
        "_quiet_ticks",
        "_transport",
        "close_reason",
        "streams",
        "viewer",
        "ws",
    )

    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport,
        viewer: Viewer,
        *,
        max_buffer_bytes: int,
    ) -> None:
        self.ws = ws
        self.viewer = viewer
        self.streams: tuple[str, ...] = ()  # usually two or three: a tuple is a quarter of a set
        self._transport = transport
        self._max_buffer = max_buffer_bytes
        self._closing = False
        self._closer: asyncio.Task[None] | None = None
        self._quiet_ticks = 0
        self.close_reason = CloseReason.CLIENT

    def joined(self, stream: str) -> None:
        if stream not in self.streams:
            self.streams += (stream,)

    def left(self, stream: str) -> None:
        if stream in self.streams:
            self.streams = tuple(joined for joined in self.streams if joined != stream)

    @property
    def closing(self) -> bool:
        return self._closing

    def send(self, frame: bytes) -> None:
        """Send one encoded JSON frame; never blocks."""
        self.write(text_frame(frame))

    def write(self, wire: bytes) -> None:
        """Write one whole WebSocket frame (see `text_frame`); never blocks. Overflow of the
        client's backlog disconnects it."""
        if self._closing:
            return
        transport = self._transport
        if self.ws.closed or transport.is_closing():
            self._closing = True
            return
        if transport.get_write_buffer_size() > self._max_buffer:
            log.warning(
                "slow consumer disconnected",
                user=self.viewer.username,
                backlog_bytes=transport.get_write_buffer_size(),
            )
            self.close(CloseReason.SLOW_CONSUMER)
            return
        transport.write(wire)

    async def send_paced(self, frame: bytes) -> None:
        """Send a frame of a replay, waiting while the client catches up: a long replay is
        not the client falling behind."""
        if self._closing:
            return
        try:
            await self.ws.send_frame(frame, WSMsgType.TEXT)
        except (ConnectionError, RuntimeError):
            self._closing = True

    def heard(self) -> None:
        """The client sent a frame (a pong included): it is alive."""
        self._quiet_ticks = 0

    def tick(self, now: datetime) -> None:
        """One heartbeat tick (every heartbeat_s / 2): close the socket if its session has
        expired by `now`; ping a client that has been silent for more than heartbeat_s, and
        drop it if it is still silent at the next tick."""
        if self._closing:
            return
        if self.viewer.session_expires_at <= now:
            self.close(CloseReason.SESSION_ENDED)
            return
        self._quiet_ticks += 1
        if self._quiet_ticks == _PING_AFTER_TICKS:
            self.write(_PING)
        elif self._quiet_ticks > _PING_AFTER_TICKS:
            log.info("ws heartbeat missed", user=self.viewer.username)
            self._closing = True
            self.close_reason = CloseReason.HEARTBEAT_MISSED
            self._transport.abort()

    def close(self, reason: CloseReason) -> None:
        """Stop sending and close the socket in the background (a slow peer cannot stall us),
        with the close code and message of `reason`."""
        if self._closing:
            return
        self._closing = True
        self.close_reason = reason
        code, message = _CLOSE_FRAMES[reason]
        self._closer = asyncio.get_running_loop().create_task(self._close_socket(code, message))

    async def closed(self) -> None:
        """Wait for the close `close` began, if any. The socket's reader awaits it before
        aiohttp closes the socket itself: that close, with 1000 and no reason, would otherwise
        win the race with the one begun here, whose close frame would never be sent."""
        if self._closer is not None:
            await self._closer

    async def _close_socket(self, code: int, message: str) -> None:
        try:
            async with asyncio.timeout(_CLOSE_TIMEOUT_S):
                await self.ws.close(code=code, message=message.encode())
        except (TimeoutError, ConnectionError, RuntimeError):
            self._transport.abort()

    async def shut_down(self) -> None:
        """Close the socket now and wait until it is closed (server shutdown)."""
        if not self._closing:
            self._closing = True
            self.close_reason = CloseReason.SHUTDOWN
            await self._close_socket(WSCloseCode.GOING_AWAY, "the server is shutting down")

    def finish(self, reason: CloseReason | None = None) -> None:
        """The socket is done: send nothing more (and it ended for `reason`, if given)."""
        self._closing = True
        if reason is not None:
            self.close_reason = reason
