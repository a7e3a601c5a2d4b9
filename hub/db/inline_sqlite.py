"""An aiosqlite connection that runs SQLite calls on the event loop's own thread.

aiosqlite hands every call (cursor, execute, fetch, close) to a worker thread and back: four
thread hops per statement, about 30 for one chat message and 17 for one history page, which
cost far more than the microseconds SQLite itself takes (a page of 50 messages: 5.4 ms p50
through the threads, 2.4 ms inline). So the hub's SQLite connections, readers and the writer,
run inline. A statement blocks the loop while it runs, which is what an index lookup or a
page of a list costs (every list is paginated); it would block longer only while another
*process* held SQLite's write lock, which the embedded single-process hub does not do.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator
from typing import Any

import aiosqlite


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's interface, executed synchronously in the caller's thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._connect().__await__()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()


async def connect_inline(database: str) -> InlineConnection:
    """A connection for SQLAlchemy's `async_creator` (same pragmas apply on connect)."""
    return await InlineConnection(lambda: sqlite3.connect(database, isolation_level=None))
