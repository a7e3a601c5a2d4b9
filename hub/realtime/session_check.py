"""Whether the login sessions of this process's sockets are still open, asked now and then.

A logout is announced to every process at once (hub.revocation), but a broker may lose the
announcement (Redis pub/sub is at most once), and an administrator may deactivate a user who
has sockets open. So every HUB_WS_SESSION_CHECK_S, from the heartbeat, a few queries (one per
`_IDS_PER_QUERY` sessions) ask which sessions of the open sockets are still open, unexpired
and of an active user; the sockets of every other session are closed (4001). Expiry alone
needs no query: each tick compares it with what the upgrade loaded (hub.realtime.connection).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

import structlog
from sqlalchemy.exc import SQLAlchemyError

from hub.auth.sessions import open_session_ids
from hub.db.engine import Database
from hub.realtime.connection import CloseReason, Connection

log = structlog.get_logger(__name__)

_IDS_PER_QUERY = 500  # well below every database's limit of bound parameters


class SessionCheck:
    def __init__(self, database: Database, *, every_ticks: int) -> None:
        self._database = database
        self._every_ticks = every_ticks
        self._ticks = 0
        self._running: asyncio.Task[None] | None = None

    def tick(self, connections: Iterable[Connection]) -> None:
        """One heartbeat tick: every `every_ticks` ticks, check the sessions of `connections`
        in the background (unless the last check is still running)."""
        self._ticks += 1
        if self._ticks < self._every_ticks or (self._running and not self._running.done()):
            return
        self._ticks = 0
        checking = self._check(list(connections))
        self._running = asyncio.get_running_loop().create_task(checking)

    async def _check(self, connections: list[Connection]) -> None:
        by_session: dict[int, list[Connection]] = {}
        for connection in connections:
            by_session.setdefault(connection.viewer.session_id, []).append(connection)
        ids = list(by_session)
        still_open: set[int] = set()
        try:
            async with self._database.read() as session:
                for start in range(0, len(ids), _IDS_PER_QUERY):
                    still_open |= await open_session_ids(session, ids[start:][:_IDS_PER_QUERY])
        except (SQLAlchemyError, OSError) as exc:  # the next check tries again
            log.warning("ws session check failed", error=repr(exc))
            return
        for session_id, ended in by_session.items():
            if session_id not in still_open:
                for connection in ended:
                    connection.close(CloseReason.SESSION_ENDED)

    async def close(self) -> None:
        if self._running is not None:
            self._running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._running
