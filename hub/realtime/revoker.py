"""Revocations (hub.revocation) carried out on this process's sockets.

The revoker is the process's receiver of broker messages: it keeps the revocations, which
arrive on users' own streams, and hands every other message to the fan-out. A session that
ended closes its sockets (4001); a revoked stream is left by each socket of the user, which
gets an `unsubscribed` frame (not an error frame: error frames answer a client's frame, and
this one answers none).

A subscribe whose access check ran before a revocation committed may finish joining after
the revocation arrived; so revocations are remembered for `_REMEMBER_S`, and a subscribe
that began before one of its stream is undone (`revoked_since`).
"""

from __future__ import annotations

import time

from hub.broker import BrokerMessage
from hub.frames import unsubscribed_frame
from hub.realtime.connection import CloseReason, Connection
from hub.realtime.fanout import Fanout
from hub.realtime.presence import PresenceAnnouncer
from hub.revocation import Revocation, SessionEnded, StreamsRevoked, read_revocation

_REMEMBER_S = 60.0  # far longer than a subscribe's access check and join take


class Revoker:
    def __init__(self, fanout: Fanout, presence: PresenceAnnouncer) -> None:
        self._fanout = fanout
        self._presence = presence
        self._recent: dict[tuple[int, str], float] = {}  # (user id, stream) -> revoked at

    def deliver(self, message: BrokerMessage) -> None:
        """The broker's deliver (called on the event loop, never awaits)."""
        if message.seq is None and (revocation := read_revocation(message.frame)) is not None:
            self._carry_out(message.stream, revocation)
        else:
            self._fanout.deliver(message)

    def _carry_out(self, user_stream: str, revocation: Revocation) -> None:
        sockets = self._fanout.subscribers(user_stream)
        match revocation:
            case SessionEnded(session_id):
                for connection in sockets:
                    if connection.viewer.session_id == session_id:
                        connection.close(CloseReason.SESSION_ENDED)
            case StreamsRevoked(streams):
                now = time.monotonic()
                self._recent = {k: at for k, at in self._recent.items() if now - at < _REMEMBER_S}
                user_id = int(user_stream.removeprefix("user:"))
                for stream in streams:
                    self._recent[(user_id, stream)] = now
                    for connection in sockets:
                        self.take_off(connection, stream)

    def take_off(self, connection: Connection, stream: str) -> None:
        """Take `connection` off `stream` and tell it so, if it was on it."""
        if self._fanout.leave(connection, stream):
            connection.send(unsubscribed_frame(stream))
            self._presence.changed(stream)

    def revoked_since(self, user_id: int, stream: str, since: float) -> bool:
        """Whether `stream` was revoked from the user at `since` (time.monotonic()) or later."""
        return self._recent.get((user_id, stream), -1.0) >= since
