"""Schema migrations: empty → head → base → head, concurrent upgrades, and migrations that
match the models (so a model change without a migration fails here)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from hub.db.engine import create_engine
from hub.db.migrate import (
    Upgrade,
    alembic_config,
    current_revision,
    downgrade_to_base,
    head_revision,
    in_migration_transaction,
    upgrade_to,
    upgrade_to_head,
)
from hub.db.models import Base, Board, ChatMessage, ChatRoom, Mention, User
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


async def test_rebuilding_a_table_keeps_the_rows_that_refer_to_it(database_url: str) -> None:
    """0002 rebuilds chat_messages on SQLite: the mention of a message outlives it, and the
    resend key is (client_id, author_id) afterwards, still one post per pair."""
    await upgrade_to(database_url, "0001")
    engine = create_engine(database_url)
    message = {
        "room_id": 1,
        "seq": 1,
        "author_id": 1,
        "author_name": "Ann",
        "body": "hi @ann",
        "client_id": "c-1",
    }
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(User).values(
                    id=1,
                    username="ann",
                    username_key="ann",
                    display_name="Ann",
                    password_hash="-",
                    time_zone="UTC",  # required before 0003
                )
            )
            await connection.execute(insert(Board).values(id=1, name="b", created_by=1))
            await connection.execute(
                insert(ChatRoom).values(id=1, board_id=1, name="r", name_key="r")
            )
            await connection.execute(insert(ChatMessage).values(id=1, **message))
            await connection.execute(insert(Mention).values(message_id=1, user_id=1))

        await upgrade_to_head(database_url)

        async with engine.connect() as connection:
            assert await connection.scalar(select(Mention.message_id)) == 1
            assert await connection.scalar(select(func.count()).select_from(ChatMessage)) == 1
            keys = await connection.run_sync(
                lambda sync: inspect(sync).get_unique_constraints("chat_messages")
            )
            assert [key["column_names"] for key in keys] == [["client_id", "author_id"]]
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(insert(ChatMessage).values(id=2, **message | {"seq": 2}))
    finally:
        await engine.dispose()


async def test_a_time_zone_never_chosen_is_null_not_utc(database_url: str) -> None:
    """0003: the zones people have keep their value (an old "UTC" too: nobody can tell it
    from the old default), a new user has none; downgrading writes "UTC" where there is none."""

    def user(id_: int, name: str, **zone: str) -> dict[str, Any]:
        return {
            "id": id_,
            "username": name,
            "username_key": name,
            "display_name": name,
            "password_hash": "-",
            **zone,
        }

    await upgrade_to(database_url, "0002")
    engine = create_engine(database_url)
    zones = select(User.time_zone).order_by(User.id)
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(User).values(user(1, "ann", time_zone="UTC")))
            await connection.execute(insert(User).values(user(2, "bo", time_zone="Asia/Tokyo")))
        await upgrade_to_head(database_url)
        async with engine.begin() as connection:
            await connection.execute(insert(User).values(user(3, "cy")))
        async with engine.connect() as connection:
            assert list(await connection.scalars(zones)) == ["UTC", "Asia/Tokyo", None]

        await in_migration_transaction(
            database_url, lambda sync: command.downgrade(alembic_config(sync), "0002")
        )
        async with engine.connect() as connection:
            assert list(await connection.scalars(zones)) == ["UTC", "Asia/Tokyo", "UTC"]
    finally:
        await engine.dispose()
