"""The seam between the core and fan-out: who publishes an event does not know who listens.

A broker carries already-encoded frames for a stream to every process that asked for that
stream. It is a wake-up channel, not storage: a broker may lose a message (Redis pub/sub is
at-most-once), and the stream dispatchers recover such gaps from the event log. The
in-process broker here serves one process; a Redis broker implements the same protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class BrokerMessage:
    """A frame for one stream; `seq` is None for ephemeral frames (typing, presence, and the
    revocations of hub.revocation, which travel on users' own streams)."""

    stream: str
    seq: int | None
    frame: bytes


Deliver = Callable[[BrokerMessage], None]


class Broker(Protocol):
    def start(self, deliver: Deliver) -> None:
        """Begin handing this process's messages to `deliver` (called on the event loop)."""

    async def subscribe(self, stream: str) -> None:
        """This process has sockets on `stream`; deliver its messages from now on."""

    async def unsubscribe(self, stream: str) -> None: ...

    async def publish(self, message: BrokerMessage) -> None: ...

    async def close(self) -> None: ...


class InProcessBroker:
    """A broker for one process: publishing delivers at once to the local dispatcher."""

    def __init__(self) -> None:
        self._deliver: Deliver | None = None
        self._streams: set[str] = set()

    def start(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def subscribe(self, stream: str) -> None:
        self._streams.add(stream)

    async def unsubscribe(self, stream: str) -> None:
        self._streams.discard(stream)

    async def publish(self, message: BrokerMessage) -> None:
        if self._deliver is not None and message.stream in self._streams:
            self._deliver(message)

    async def close(self) -> None:
        self._deliver = None
        self._streams.clear()
