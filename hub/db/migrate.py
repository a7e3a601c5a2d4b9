"""Schema migrations, run from code: `taskflow-hub serve`/`migrate` and the tests.

The Alembic scripts live inside the package (hub/db/migrations), so this works from an
installed package and from any working directory. Each run is one transaction; on PostgreSQL
it first takes an advisory lock, so several `serve` processes starting at once upgrade one
after the other (the later ones find the schema already at head). SQLite's BEGIN IMMEDIATE
does the same there. SQLite changes a table by building a new one and dropping the old, so
its migrations run as SQLite prescribes: foreign keys off (else the drop would delete the
rows that refer to the old table), then checked before the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from hub.db.engine import Database, create_engine, immediate

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any fixed 64-bit number that no other advisory-lock user of the database picks: "taskflow".
MIGRATION_LOCK_KEY = int.from_bytes(b"taskflow", "big")

T = TypeVar("T")


@dataclass(frozen=True)
class Upgrade:
    """The schema revision before and after an upgrade (None: an empty database)."""

    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def alembic_config(connection: Connection | None = None) -> Config:
    """A config pointing at the packaged scripts; env.py runs on `connection` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade_to_head(database_url: str) -> Upgrade:
    return await upgrade_to(database_url, "head")


async def upgrade_to(database_url: str, revision: str) -> Upgrade:
    def upgrade(connection: Connection) -> Upgrade:
        before = _revision_of(connection)
        command.upgrade(alembic_config(connection), revision)
        return Upgrade(before=before, after=_revision_of(connection))

    return await in_migration_transaction(database_url, upgrade)


async def downgrade_to_base(database_url: str) -> None:
    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "base")

    await in_migration_transaction(database_url, downgrade)


async def current_revision(database_url: str) -> str | None:
    database = Database(create_engine(database_url))
    try:
        async with database.read() as session:
            connection = await session.connection()
            return await connection.run_sync(_revision_of)
    finally:
        await database.close()


def _revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def in_migration_transaction(database_url: str, migrate: Callable[[Connection], T]) -> T:
    """Run `migrate` on a connection in the one transaction a migration gets (see above);
    the `alembic` command line runs its scripts this way too (hub/db/migrations/env.py)."""
    if make_url(database_url).get_backend_name() == "sqlite":
        return await _in_sqlite_migration_transaction(database_url, migrate)
    database = Database(create_engine(database_url))
    try:
        async with database.write() as session:
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            connection = await session.connection()
            return await connection.run_sync(migrate)
    finally:
        await database.close()


async def _in_sqlite_migration_transaction(
    database_url: str, migrate: Callable[[Connection], T]
) -> T:
    engine = create_engine(database_url, sqlite_foreign_keys=False)
    try:
        async with immediate(engine).begin() as connection:
            result = await connection.run_sync(migrate)
            broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).fetchall()
            if broken:  # raising rolls the migration back
                raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
            return result
    finally:
        await engine.dispose()
