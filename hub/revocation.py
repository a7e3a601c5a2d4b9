"""Access taken away from sockets already open, in whichever process they live.

A logout, or the end of a membership, is committed first and then announced on the user's
own stream `user:<id>`, to which every socket of that user is subscribed in every process:
an ephemeral broker message (seq None) that the receiving process acts on
(hub.realtime.revoker) and never forwards to a client. A broker may lose a message (Redis
pub/sub is at most once); for sessions the heartbeat's periodic check catches what was lost
(hub.realtime.session_check).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from hub.broker import Broker, BrokerMessage
from hub.events import user_stream

_TYPE = "revoke"
_PREFIX = b'{"type":"revoke",'  # orjson keeps the key order: what every revocation starts with


@dataclass(frozen=True, slots=True)
class SessionEnded:
    """The login session ended (logout): its sockets are closed."""

    session_id: int


@dataclass(frozen=True, slots=True)
class StreamsRevoked:
    """The user may no longer read these streams: each socket of theirs leaves them."""

    streams: tuple[str, ...]


Revocation = SessionEnded | StreamsRevoked


def revocation_message(user_id: int, revocation: Revocation) -> BrokerMessage:
    match revocation:
        case SessionEnded(session_id):
            body: dict[str, object] = {"type": _TYPE, "session": session_id}
        case StreamsRevoked(streams):
            body = {"type": _TYPE, "streams": list(streams)}
    return BrokerMessage(user_stream(user_id), None, orjson.dumps(body))


def read_revocation(frame: bytes) -> Revocation | None:
    """The revocation a broker message's frame carries; None for any other frame."""
    if not frame.startswith(_PREFIX):
        return None
    body = orjson.loads(frame)
    if "session" in body:
        return SessionEnded(int(body["session"]))
    return StreamsRevoked(tuple(body["streams"]))


async def announce_session_ended(broker: Broker, user_id: int, session_id: int) -> None:
    """After a logout has been committed: close that session's sockets in every process."""
    await broker.publish(revocation_message(user_id, SessionEnded(session_id)))


async def revoke_streams(broker: Broker, user_id: int, streams: Iterable[str]) -> None:
    """After a change that took these streams from the user has been committed (a removal
    from a room or a board): take every socket of the user off them, in every process. The
    sockets are told with an `unsubscribed` frame and get none of those streams' events
    from then on; a new subscribe is checked against storage like any other."""
    streams = tuple(stream for stream in streams if stream != user_stream(user_id))
    if streams:
        await broker.publish(revocation_message(user_id, StreamsRevoked(streams)))
