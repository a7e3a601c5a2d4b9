"""One WebSocket client: a bounded queue of encoded frames and the one task that writes them.

Fan-out only appends to the queue, so a broadcast never waits on any single socket. A client
that falls `max_queue` frames behind is disconnected (close code 4008) and resumes with `since`;
nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

import structlog
from aiohttp import WSCloseCode, WSMsgType, web

from hub.auth.sessions import Viewer

log = structlog.get_logger(__name__)

SLOW_CONSUMER_CLOSE = 4008
_CLOSE_TIMEOUT_S = 2.0


class Connection:
    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.BaseTransport | None,
        viewer: Viewer,
        *,
        max_queue: int,
    ) -> None:
        self.ws = ws
        self._transport = transport
        self.viewer = viewer
        self.streams: set[str] = set()
        self._max_queue = max_queue
        self._queue: deque[bytes] = deque()
        self._wakeup = asyncio.Event()
        self._closing = False
        self._writer: asyncio.Task[None] | None = None

    @property
    def closing(self) -> bool:
        return self._closing

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write_frames(), name=f"ws-writer-{self.viewer.id}")

    def send(self, frame: bytes) -> None:
        """Queue one encoded frame; never blocks. Overflow disconnects the client."""
        if self._closing:
            return
        if len(self._queue) >= self._max_queue:
            log.warning(
                "slow consumer disconnected", user=self.viewer.username, queued=len(self._queue)
            )
            self.close(SLOW_CONSUMER_CLOSE, "slow consumer: reconnect and resume with since")
            return
        self._queue.append(frame)
        self._wakeup.set()

    async def _write_frames(self) -> None:
        queue = self._queue
        try:
            while not self._closing:
                await self._wakeup.wait()
                self._wakeup.clear()
                while queue and not self._closing:
                    await self.ws.send_frame(queue.popleft(), WSMsgType.TEXT)
        except (ConnectionError, RuntimeError):
            self._closing = True

    def close(self, code: int = WSCloseCode.GOING_AWAY, message: str = "") -> None:
        """Stop sending and close the socket in the background (a slow peer cannot stall us)."""
        if self._closing:
            return
        self._closing = True
        self._queue.clear()
        self._wakeup.set()
        asyncio.get_running_loop().create_task(self._close_socket(code, message))

    async def _close_socket(self, code: int, message: str) -> None:
        try:
            async with asyncio.timeout(_CLOSE_TIMEOUT_S):
                await self.ws.close(code=code, message=message.encode())
        except (TimeoutError, ConnectionError, RuntimeError):
            if isinstance(self._transport, asyncio.Transport):
                self._transport.abort()

    async def finish(self) -> None:
        """Stop the writer task once the socket is done."""
        self._closing = True
        self._wakeup.set()
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
