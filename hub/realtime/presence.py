"""Who is online in each room, announced at most once per interval per room.

A room's presence changes with every socket that joins or leaves; sending the full list to
the whole room on each change would cost N² frames while N people connect. Changes are
coalesced instead: the first change schedules one announcement, later ones ride along.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hub.broker import Broker, BrokerMessage
from hub.frames import presence_frame


class PresenceAnnouncer:
    def __init__(
        self, broker: Broker, online: Callable[[str], list[str]], *, interval_s: float
    ) -> None:
        self._broker = broker
        self._online = online
        self._interval_s = interval_s
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def changed(self, stream: str) -> None:
        """Someone joined or left `stream`; announce it soon (rooms only)."""
        if not stream.startswith("room:") or stream in self._pending:
            return
        loop = asyncio.get_running_loop()
        self._pending[stream] = loop.call_later(self._interval_s, self._announce, stream)

    def _announce(self, stream: str) -> None:
        self._pending.pop(stream, None)
        frame = presence_frame(stream, self._online(stream))
        task = asyncio.get_running_loop().create_task(
            self._broker.publish(BrokerMessage(stream, None, frame))
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def close(self) -> None:
        for handle in self._pending.values():
            handle.cancel()
        self._pending.clear()
