"""Schema migrations: empty → head → base → head, concurrent upgrades, and migrations that
match the models (so a model change without a migration fails here)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from hub.db.engine import create_engine
from hub.db.migrate import (
    Upgrade,
    current_revision,
    downgrade_to_base,
    head_revision,
    upgrade_to_head,
)
from hub.db.models import Base
from hub.settings import Settings
from tests.isolation import drop_everything, table_names


@pytest.fixture
async def database_url(settings: Settings) -> AsyncIterator[str]:
    """An empty database: SQLite, and PostgreSQL too when HUB_TEST_DATABASE_URL is set."""
    await drop_everything(settings.database_url)
    yield settings.database_url
    await drop_everything(settings.database_url)


async def test_upgrade_downgrade_and_upgrade_again(database_url: str) -> None:
    head = head_revision()
    assert head is not None
    assert await current_revision(database_url) is None

    assert await upgrade_to_head(database_url) == Upgrade(before=None, after=head)
    assert await table_names(database_url) == {*Base.metadata.tables, "alembic_version"}
    assert await upgrade_to_head(database_url) == Upgrade(before=head, after=head)

    await downgrade_to_base(database_url)
    assert await table_names(database_url) == {"alembic_version"}
    assert await current_revision(database_url) is None

    await upgrade_to_head(database_url)
    assert await current_revision(database_url) == head
    assert await table_names(database_url) == {*Base.metadata.tables, "alembic_version"}


async def test_concurrent_upgrades_apply_the_schema_once(database_url: str) -> None:
    """Hub processes starting at once on an empty database (each upgrade has its own
    connection: PostgreSQL serialises them with an advisory lock, SQLite with BEGIN IMMEDIATE)
    neither fail nor apply the schema twice."""
    async with asyncio.timeout(60):
        results = await asyncio.gather(*(upgrade_to_head(database_url) for _ in range(4)))
    assert sorted(result.changed for result in results) == [False, False, False, True]
    assert await current_revision(database_url) == head_revision()


async def test_migrations_match_the_models(database_url: str) -> None:
    await upgrade_to_head(database_url)

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
