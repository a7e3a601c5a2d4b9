"""What the hub does with each client frame of DESIGN §6, for one connection."""

from __future__ import annotations

import reprlib
import time
from typing import Any

import orjson
import structlog
from aiohttp import web
from pydantic import ValidationError

from hub.appkeys import (
    BROKER,
    DATABASE,
    FANOUT,
    POSTING,
    PRESENCE,
    REFUSALS,
    REVOKER,
    SETTINGS,
    WRITER,
)
from hub.broker import BrokerMessage
from hub.errors import HubError, Invalid, NotFound, RateLimited
from hub.events import Origin, user_stream
from hub.frames import PONG, ack_frame, error_frame, typing_frame
from hub.realtime.authorize import authorize_stream
from hub.realtime.client_frames import (
    CLIENT_FRAME,
    KNOWN_TYPES,
    CommentSend,
    MessageSend,
    Ping,
    Read,
    Subscribe,
    Typing,
    Unsubscribe,
)
from hub.realtime.connection import Connection
from hub.refusals import Via
from hub.services.comments import TASK_COMMENTS
from hub.services.messages import ROOM_MESSAGES
from hub.services.reading import read_room_up_to, read_task_up_to
from hub.services.threads import Thread
from hub.services.unnotified import not_notified

log = structlog.get_logger(__name__)

# Longest client_id or stream of a refused frame that its error frame repeats: enough for
# every valid one, and a 1 MiB junk string is not sent back.
_ECHO_MAX_CHARS = 64


def _echo(value: object) -> str | None:
    return value if isinstance(value, str) and len(value) <= _ECHO_MAX_CHARS else None


class FrameHandler:
    def __init__(self, app: web.Application, connection: Connection, origin: Origin) -> None:
        self._app = app
        self._origin = origin
        self._connection = connection
        self._settings = app[SETTINGS]
        self._refusals = app[REFUSALS]
        self._last_typing: dict[str, float] = {}

    def refuse(self, message: str, **where: Any) -> bool:
        self._refusals.frames_rejected["invalid"] += 1
        self._connection.send(error_frame("invalid", message, **where))
        return False

    async def handle(self, raw: str) -> bool:
        """Act on one text frame; False when the frame itself was malformed."""
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return self.refuse("frames must be JSON")
        if not isinstance(data, dict):
            return self.refuse("a frame must be a JSON object")
        client_id, stream = _echo(data.get("client_id")), _echo(data.get("stream"))
        kind = data.get("type")
        if not isinstance(kind, str) or kind not in KNOWN_TYPES:
            return self.refuse(f"unknown frame type {reprlib.repr(kind)}", client_id=client_id)
        try:
            frame = CLIENT_FRAME.validate_python(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"][1:])
            problem = error["msg"].removeprefix("Value error, ")
            return self.refuse(f"{field}: {problem}", client_id=client_id, stream=stream)
        try:
            await self._dispatch(frame)
        except HubError as exc:
            self._refusals.frames_rejected[exc.code] += 1
            if isinstance(exc, RateLimited):
                self._refusals.rate_limited[Via.WS, kind] += 1
            where = {"client_id": client_id} if client_id is not None else {"stream": stream}
            self._connection.send(error_frame(exc.code, exc.message, **where))
            return not isinstance(exc, Invalid)
        return True

    async def _dispatch(self, frame: object) -> None:
        match frame:
            case Ping():
                self._connection.send(PONG)
            case Subscribe(stream=stream, since=since):
                await self._subscribe(stream, since)
            case Unsubscribe(stream=stream):
                if stream == user_stream(self._connection.viewer.id):  # it carries revocations
                    raise Invalid("a socket stays subscribed to its user's stream")
                self._app[FANOUT].leave(self._connection, stream)
                self._app[PRESENCE].changed(stream)
            case MessageSend() | CommentSend():
                await self._send(frame)
            case Typing(stream=stream):
                await self._typing(stream)
            case Read(stream=stream, seq=seq):
                await self._read(stream, seq)

    async def _subscribe(self, stream: str, since: int | None) -> None:
        viewer = self._connection.viewer
        asked_at = time.monotonic()
        async with self._app[DATABASE].read() as session:
            await authorize_stream(session, viewer, stream)
        await self._app[FANOUT].join(self._connection, stream, since)
        revoker = self._app[REVOKER]
        if revoker.revoked_since(viewer.id, stream, asked_at):  # while this subscribe ran
            revoker.take_off(self._connection, stream)
        self._app[PRESENCE].changed(stream)

    async def _send(self, frame: MessageSend | CommentSend) -> None:
        thread: Thread[Any]
        thread, place = (
            (ROOM_MESSAGES, frame.room)
            if isinstance(frame, MessageSend)
            else (TASK_COMMENTS, frame.task)
        )
        data, _ = await self._app[POSTING].submit(
            thread,
            place,
            frame.body,
            actor=self._connection.viewer,
            origin=self._origin,
            client_id=frame.client_id,
        )
        missed = await not_notified(self._app[POSTING], self._app[DATABASE], data)
        self._connection.send(ack_frame(frame.client_id, data["id"], data["seq"], missed))

    async def _typing(self, stream: str) -> None:
        if stream not in self._connection.streams:
            raise NotFound("subscribe to the stream first")
        now = time.monotonic()
        if now - self._last_typing.get(stream, -1e9) < self._settings.typing_interval_s:
            return
        self._last_typing[stream] = now
        frame = typing_frame(stream, self._connection.viewer.username)
        await self._app[BROKER].publish(BrokerMessage(stream, None, frame))

    async def _read(self, stream: str, seq: int) -> None:
        kind, _, raw_id = stream.partition(":")
        if kind not in ("room", "task"):
            raise Invalid("read markers are kept for rooms and tasks only", field="stream")
        read_up_to = read_room_up_to if kind == "room" else read_task_up_to
        viewer = self._connection.viewer
        await self._app[WRITER].run(
            lambda unit: read_up_to(unit, viewer, int(raw_id), seq), origin=self._origin
        )

    async def disconnected(self) -> None:
        fanout = self._app[FANOUT]
        streams = list(self._connection.streams)
        fanout.leave_all(self._connection)
        for stream in streams:
            self._app[PRESENCE].changed(stream)
