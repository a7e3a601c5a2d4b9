"""The frames WebSocket clients send (DESIGN §6), parsed and checked; `hub.frames` encodes
what the hub sends.

Checks are strict (pydantic strict mode): a number is a JSON integer, not "1", 1.0 or true,
and a stream is named canonically, `kind:id` with the id as the hub writes it (no sign, no
leading zero, within the id range), because the fan-out knows streams by their exact name:
"room:01" would pass the access check of room 1 and then never receive room 1's events.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

from hub.services.pagination import MAX_ID
from hub.services.post_rules import ClientId

_STREAM = re.compile(r"(room|task|board|user):([1-9][0-9]{0,18})")


def canonical_stream(name: str) -> str:
    found = _STREAM.fullmatch(name)
    if found is None or int(found.group(2)) > MAX_ID:
        raise ValueError("must be room:<id>, task:<id>, board:<id> or user:<id>")
    return name


StreamName = Annotated[str, AfterValidator(canonical_stream)]
Seq = Annotated[int, Field(ge=0, le=MAX_ID)]
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]


class ClientFrame(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


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
