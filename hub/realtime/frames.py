"""WebSocket frames of DESIGN §6: parsing what clients send, encoding what the hub sends.

Outgoing frames are encoded once (orjson) and shared by every recipient of the same event.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from hub.api.schemas import ClientId
from hub.services.streams import RecordedEvent

STREAM_PATTERN = re.compile(r"^(room|task|board|user):([0-9]{1,18})$")
StreamName = Annotated[str, StringConstraints(pattern=STREAM_PATTERN.pattern)]
Seq = Annotated[int, Field(ge=0, le=2**62)]
ObjectId = Annotated[int, Field(ge=1, le=2**62)]


class ClientFrame(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Subscribe(ClientFrame):
    type: Literal["subscribe"]
    stream: StreamName
    since: Seq | None = None


class Unsubscribe(ClientFrame):
    type: Literal["unsubscribe"]
    stream: StreamName


class MessageSend(ClientFrame):
    type: Literal["message.send"]
    room: ObjectId
    body: str
    client_id: ClientId | None = None


class CommentSend(ClientFrame):
    type: Literal["comment.send"]
    task: ObjectId
    body: str
    client_id: ClientId | None = None


class Typing(ClientFrame):
    type: Literal["typing"]
    stream: StreamName


class Read(ClientFrame):
    type: Literal["read"]
    stream: StreamName
    seq: Seq


class Ping(ClientFrame):
    type: Literal["ping"]


AnyClientFrame = Annotated[
    Subscribe | Unsubscribe | MessageSend | CommentSend | Typing | Read | Ping,
    Field(discriminator="type"),
]
CLIENT_FRAME = TypeAdapter(AnyClientFrame)
KNOWN_TYPES = frozenset(
    ["subscribe", "unsubscribe", "message.send", "comment.send", "typing", "read", "ping"]
)

PONG = b'{"type":"pong"}'


def encode(frame: dict[str, Any]) -> bytes:
    return orjson.dumps(frame)


def event_frame(event: RecordedEvent) -> bytes:
    """The event's frame, its already encoded data spliced in as the last member."""
    head = orjson.dumps(
        {"type": "event", "stream": event.stream, "seq": event.seq, "event": event.kind}
    )
    return b"".join((head[:-1], b',"data":', event.payload, b"}"))


def ack_frame(client_id: str | None, object_id: int, seq: int) -> bytes:
    return orjson.dumps({"type": "ack", "client_id": client_id, "id": object_id, "seq": seq})


def error_frame(
    code: str, message: str, *, client_id: str | None = None, stream: str | None = None
) -> bytes:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if client_id is not None:
        frame["client_id"] = client_id
    if stream is not None:
        frame["stream"] = stream
    return orjson.dumps(frame)


def subscribed_frame(stream: str, seq: int) -> bytes:
    return orjson.dumps({"type": "subscribed", "stream": stream, "seq": seq})


def reset_frame(stream: str) -> bytes:
    return orjson.dumps({"type": "reset", "stream": stream})


def typing_frame(stream: str, username: str) -> bytes:
    return orjson.dumps({"type": "typing", "stream": stream, "user": username})


def presence_frame(stream: str, online: list[str]) -> bytes:
    return orjson.dumps({"type": "presence", "stream": stream, "online": online})
