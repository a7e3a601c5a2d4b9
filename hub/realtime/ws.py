"""`GET /ws`: authentication and Origin check at the upgrade, then one reader loop per socket.

Refusals happen before any upgrade (403 foreign Origin, 401 no valid credentials). Frames a
client gets wrong are answered with error frames and the socket stays open, until too many
bad frames in a row close it (1008). A socket that sends more frames than its budget allows
(hub.realtime.budget), valid or not, is told so (`rate_limited`) and closed (1008).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import structlog
from aiohttp import WSCloseCode, WSMsgType, web

from hub.appkeys import CONNECTIONS, DATABASE, FANOUT, REFUSALS, SETTINGS
from hub.auth.requests import request_origin, request_token
from hub.auth.sessions import Viewer, viewer_for_token
from hub.errors import Forbidden, Unauthenticated
from hub.events import user_stream
from hub.frames import error_frame
from hub.realtime.budget import FrameBudget
from hub.realtime.connection import CloseReason, Connection
from hub.realtime.handlers import FrameHandler
from hub.refusals import Via

log = structlog.get_logger(__name__)

_CLOSED = frozenset({WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED})
_OVER_BUDGET = error_frame(
    "rate_limited", "more frames than HUB_WS_FRAMES_PER_SECOND allows: the socket is closed"
)


async def authenticate_upgrade(request: web.Request) -> Viewer:
    settings = request.app[SETTINGS]
    origin = request.headers.get("Origin")
    token, from_cookie = request_token(request)
    if origin is not None and origin.rstrip("/") not in settings.allowed_origins:
        raise Forbidden("origin not allowed")
    if token is None:
        raise Unauthenticated("log in first: send a Bearer token or the session cookie")
    if from_cookie and origin is None:
        raise Forbidden("a cookie-authenticated WebSocket needs an Origin header")
    async with request.app[DATABASE].read() as session:
        viewer = await viewer_for_token(session, token)
    if viewer is None:
        raise Unauthenticated("the session has expired or was closed; log in again")
    return viewer


async def websocket(request: web.Request) -> web.WebSocketResponse:
    """Authenticate and upgrade; the socket is then served by `ClientSocket.write_eof`."""
    viewer = await authenticate_upgrade(request)
    settings = request.app[SETTINGS]
    # No `heartbeat`: `OpenConnections` pings every socket from one timer. So pongs must
    # reach the reader loop (autoping=False), which answers the client's pings itself.
    ws = ClientSocket(
        request, viewer, autoping=False, compress=False, max_msg_size=settings.ws_max_frame_bytes
    )
    await ws.prepare(request)
    log.info("ws connected", user=viewer.username)
    return ws


class ClientSocket(web.WebSocketResponse):
    """An upgraded socket, served after the handler has returned it (issue 5: memory per socket).

    aiohttp ends every response with `write_eof()`, once the handler and the middlewares have
    returned; serving the socket from there rather than inside the handler keeps the handler's
    and each middleware's coroutine frame, and what they hold, out of every idle socket. The
    socket is closed when `write_eof` returns, as it was when the handler returned.

    Its own state is in slots: CPython keeps an object's attributes compactly only while its
    class has seen at most 30 attribute names, and an idle socket already uses 29 (aiohttp's
    heartbeat would add three); past that, each socket's attributes move to a 1.5 KiB dict.
    """

    __slots__ = ("_request", "_viewer")

    def __init__(self, request: web.Request, viewer: Viewer, **options: Any) -> None:
        super().__init__(**options)
        self._request = request
        self._viewer = viewer

    async def write_eof(self) -> None:  # type: ignore[override]  # as aiohttp's own
        request, viewer = self._request, self._viewer
        transport = request.transport
        if transport is None:  # the client went away during the upgrade
            log.info("ws disconnected", user=viewer.username, code=self.close_code)
            await super().write_eof()
            return
        app = request.app
        settings = app[SETTINGS]
        connection = Connection(
            self, transport, viewer, max_buffer_bytes=settings.ws_send_buffer_bytes
        )
        handler = FrameHandler(app, connection, request_origin(request))
        open_connections, refusals = app[CONNECTIONS], app[REFUSALS]
        open_connections.add(connection)
        budget = FrameBudget(
            settings.ws_frames_per_second, settings.ws_frame_burst, time.monotonic()
        )
        try:
            await app[FANOUT].join(connection, user_stream(viewer.id), None)
            invalid_in_a_row = 0
            while not connection.closing:
                message = await self.receive()
                if message.type in _CLOSED:
                    break
                connection.heard()
                refusals.frames_received += 1
                if not budget.spend(time.monotonic()):
                    log.warning("ws frame budget exceeded", user=viewer.username)
                    refusals.frames_rejected["rate_limited"] += 1
                    refusals.rate_limited[Via.WS, "frames"] += 1
                    connection.send(_OVER_BUDGET)
                    connection.close(CloseReason.FRAME_BUDGET)
                    break
                if message.type == WSMsgType.TEXT:
                    valid = await handler.handle(message.data)
                elif message.type == WSMsgType.BINARY:
                    valid = handler.refuse("frames must be JSON text")
                elif message.type == WSMsgType.PING:
                    with contextlib.suppress(ConnectionError):  # or the client has just left
                        await self.pong(message.data)
                    continue
                else:
                    continue
                invalid_in_a_row = 0 if valid else invalid_in_a_row + 1
                if invalid_in_a_row >= settings.ws_max_invalid_frames:
                    connection.close(CloseReason.INVALID_FRAMES)
                    break
        except Exception:  # past the middlewares: errors_as_json no longer sees this one
            log.exception("unhandled error", method=request.method, path=request.path)
            connection.finish(CloseReason.ERROR)
            await self.close(code=WSCloseCode.INTERNAL_ERROR, message=b"internal error")
        finally:
            await handler.disconnected()
            connection.finish()
            open_connections.discard(connection)
            await connection.closed()
            log.info("ws disconnected", user=viewer.username, code=self.close_code)
            await super().write_eof()
