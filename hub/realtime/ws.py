"""`GET /ws`: authentication and Origin check at the upgrade, then one reader loop per socket.

Refusals happen before any upgrade (403 foreign Origin, 401 no valid credentials). Frames a
client gets wrong are answered with error frames and the socket stays open, until too many
bad frames in a row close it (1008).
"""

from __future__ import annotations

import structlog
from aiohttp import WSCloseCode, WSMsgType, web

from hub.api.context import request_source, request_token
from hub.appkeys import CONNECTIONS, DATABASE, FANOUT, SETTINGS
from hub.auth.sessions import Viewer, viewer_for_token
from hub.errors import Forbidden, Unauthenticated
from hub.events import user_stream
from hub.realtime.connection import Connection
from hub.realtime.handlers import FrameHandler

log = structlog.get_logger(__name__)


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
    viewer = await authenticate_upgrade(request)
    settings = request.app[SETTINGS]
    ws = web.WebSocketResponse(
        heartbeat=settings.ws_heartbeat_s,
        compress=False,
        max_msg_size=settings.ws_max_frame_bytes,
    )
    await ws.prepare(request)
    transport = request.transport
    if transport is None:  # the client went away during the upgrade
        return ws
    connection = Connection(ws, transport, viewer, max_buffer_bytes=settings.ws_send_buffer_bytes)
    handler = FrameHandler(request.app, connection, request_source(request))
    fanout = request.app[FANOUT]
    open_connections = request.app[CONNECTIONS]
    open_connections.add(connection)
    log.info("ws connected", user=viewer.username)
    try:
        await fanout.join(connection, user_stream(viewer.id), None)
        invalid_in_a_row = 0
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                valid = await handler.handle(message.data)
            elif message.type == WSMsgType.BINARY:
                valid = handler.refuse("frames must be JSON text")
            else:
                continue
            invalid_in_a_row = 0 if valid else invalid_in_a_row + 1
            if invalid_in_a_row >= settings.ws_max_invalid_frames:
                connection.close(WSCloseCode.POLICY_VIOLATION, "too many invalid frames")
                break
            if connection.closing:
                break
    finally:
        await handler.disconnected()
        connection.finish()
        open_connections.discard(connection)
        log.info("ws disconnected", user=viewer.username, code=ws.close_code)
    return ws
