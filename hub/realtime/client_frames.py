"""The frames WebSocket clients send (DESIGN §6), parsed and checked; `hub.frames` encodes
what the hub sends."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from hub.services.post_rules import ClientId

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
