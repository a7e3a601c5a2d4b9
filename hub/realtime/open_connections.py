"""Every open socket of this process, and the one timer that looks after them all.

Without closing them at shutdown the server would wait for each client to leave on its own.
The heartbeat is one timer for every socket (a timer per socket, as aiohttp's own heartbeat
keeps, costs each idle socket 1.5 KiB): every heartbeat_s / 2 each socket ticks (ping, drop,
session expiry: hub.realtime.connection), and every so many ticks their login sessions are
checked against storage (hub.realtime.session_check).
"""

from __future__ import annotations

import asyncio
from collections import Counter

from hub.db.types import utcnow
from hub.realtime.connection import CloseReason, Connection
from hub.realtime.session_check import SessionCheck


class OpenConnections:
    def __init__(self, *, heartbeat_s: float, sessions: SessionCheck) -> None:
        self._open: set[Connection] = set()
        self._tick_s = heartbeat_s / 2
        self._ticker: asyncio.TimerHandle | None = None
        self._sessions = sessions
        self.opened = 0  # sockets ever added, and those discarded by why they ended
        self.closed: Counter[CloseReason] = Counter()

    def __len__(self) -> int:
        return len(self._open)

    def add(self, connection: Connection) -> None:
        self._open.add(connection)
        self.opened += 1
        if self._ticker is None:
            self._ticker = asyncio.get_running_loop().call_later(self._tick_s, self._tick)

    def discard(self, connection: Connection) -> None:
        """`connection` has ended (its reader's last act): forget it, and count why it ended."""
        self._open.discard(connection)
        self.closed[connection.close_reason] += 1

    def _tick(self) -> None:
        now = utcnow()
        for connection in list(self._open):
            connection.tick(now)
        self._sessions.tick(self._open)
        self._ticker = None
        if self._open:
            self._ticker = asyncio.get_running_loop().call_later(self._tick_s, self._tick)

    async def shut_down(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        await self._sessions.close()
        await asyncio.gather(*(connection.shut_down() for connection in list(self._open)))
