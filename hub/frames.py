"""The frames the hub sends over WebSocket (DESIGN §6), each encoded once (orjson) and shared
by every recipient of the same event. The writer encodes event frames as it publishes them,
so this sits below every layer that sends one."""

from __future__ import annotations

from typing import Any

import orjson

from hub.db.event_log import RecordedEvent

PONG = b'{"type":"pong"}'


def event_frame(event: RecordedEvent) -> bytes:
    """The event's frame, its already encoded data spliced in as the last member."""
    head = orjson.dumps(
        {"type": "event", "stream": event.stream, "seq": event.seq, "event": event.kind}
    )
    return b"".join((head[:-1], b',"data":', event.payload, b"}"))


def ack_frame(
    client_id: str | None, object_id: int, seq: int, not_notified: list[Any] | None = None
) -> bytes:
    """A post's ack; `not_notified` (people it named who cannot see it) only when there are."""
    frame: dict[str, Any] = {"type": "ack", "client_id": client_id, "id": object_id, "seq": seq}
    if not_notified:
        frame["not_notified"] = not_notified
    return orjson.dumps(frame)


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


def unsubscribed_frame(stream: str) -> bytes:
    """The hub took the socket off `stream` (its user may no longer read it): no more events
    of it come, and a client should not subscribe to it again."""
    return orjson.dumps({"type": "unsubscribed", "stream": stream})


def reset_frame(stream: str) -> bytes:
    return orjson.dumps({"type": "reset", "stream": stream})


def typing_frame(stream: str, username: str) -> bytes:
    return orjson.dumps({"type": "typing", "stream": stream, "user": username})


def presence_frame(stream: str, online: list[str]) -> bytes:
    return orjson.dumps({"type": "presence", "stream": stream, "online": online})
