"""The database engine and its sessions.

SQLite runs in WAL mode with foreign keys on; write transactions start with BEGIN IMMEDIATE so
that two writers queue on the busy timeout instead of failing with "database is locked" when a
deferred read transaction tries to upgrade.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from hub.db.inline_sqlite import connect_inline
from hub.db.types import json_bytes

SQLITE_BUSY_TIMEOUT_MS = 10_000
_BEGIN_OPTION = "sqlite_begin"


def create_engine(
    database_url: str, *, sqlite_foreign_keys: bool = True, **engine_options: Any
) -> AsyncEngine:
    """An async engine for a sqlite+aiosqlite or postgresql+asyncpg URL; SQLite connections
    run on the event loop's thread (see `inline_sqlite`) and enforce foreign keys unless
    told not to (schema migrations, see `hub.db.migrate`)."""
    url = make_url(database_url)
    engine_options = {"json_serializer": _json_text, "json_deserializer": orjson.loads} | (
        engine_options
    )
    if url.get_backend_name() != "sqlite":
        engine = create_async_engine(url, **engine_options)
        _replace_closed_connections(engine)
        return engine
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    database = url.database or ":memory:"
    engine = create_async_engine(
        url, async_creator=lambda: connect_inline(database), **engine_options
    )
    _configure_sqlite(engine, foreign_keys=sqlite_foreign_keys)
    return engine


def _replace_closed_connections(engine: AsyncEngine) -> None:
    """A pooled connection that the server closed (a restart, an idle timeout, a terminated
    backend) is replaced when it is taken from the pool. asyncpg knows this without asking the
    server; SQLAlchemy's pool_pre_ping would ask, at three round trips per checkout (BEGIN,
    ping, ROLLBACK), as many as a history page's own queries."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the server closed this connection")


def _json_text(value: Any) -> str:
    return json_bytes(value).decode()


def _configure_sqlite(engine: AsyncEngine, *, foreign_keys: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Inline connections leave transaction control to "begin" below (isolation_level=None).
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        # A savepoint (one per write job) journals each page it changes; in a file that cost a
        # write per page, a tenth of a batch's time.
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def immediate(engine: AsyncEngine) -> AsyncEngine:
    """`engine`, its SQLite transactions starting with BEGIN IMMEDIATE (take the write lock)."""
    return engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})


def _sqlite_writer_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine for SQLite writes: one connection, so writes go one at a time."""
    url = engine.url.render_as_string(hide_password=False)
    return create_engine(url, pool_size=1, max_overflow=0)


class Database:
    """The engine plus two ways in: `read()` for queries and `write()` for a transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._reader = async_sessionmaker(engine, expire_on_commit=False)
        # On PostgreSQL a read transaction's BEGIN and ROLLBACK are two round trips, as many
        # as a history page's own queries; SQLite's cost nothing and are kept.
        self._statement_reader = (
            self._reader
            if self.is_sqlite
            else async_sessionmaker(
                engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
            )
        )
        self._write_engine = _sqlite_writer_engine(engine) if self.is_sqlite else engine
        self._writer = async_sessionmaker(immediate(self._write_engine), expire_on_commit=False)
        # SQLite has one writer at a time and its busy wait is not fair; queueing this
        # process's writers here keeps them in order and off the busy timeout.
        self._write_turn = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def read(self, *, snapshot: bool = True) -> AsyncIterator[AsyncSession]:
        """A session for queries, which all see one snapshot of the database; without
        `snapshot`, each sees what is committed when it runs (PostgreSQL): for a read whose
        queries need not agree, such as a page of a listing after its access check."""
        async with (self._reader if snapshot else self._statement_reader)() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction, committed on success and rolled back on error."""
        async with self._writer_turn(), self._writer() as session, session.begin():
            yield session

    def _writer_turn(self) -> AbstractAsyncContextManager[object]:
        return self._write_turn if self._write_turn is not None else nullcontext()

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def close(self) -> None:
        if self._write_engine is not self.engine:
            await self._write_engine.dispose()
        await self.engine.dispose()
