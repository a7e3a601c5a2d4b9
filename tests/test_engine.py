"""The database engine on PostgreSQL: a connection that the server closed is not handed out
again, and reads without a snapshot run outside a transaction."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from hub.db.engine import Database, create_engine
from tests.conftest import TEST_DATABASE_URL


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (HUB_TEST_DATABASE_URL)")
async def test_a_connection_whose_backend_was_terminated_is_replaced() -> None:
    engine = create_engine(TEST_DATABASE_URL)
    other = create_engine(TEST_DATABASE_URL)
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
        async with other.connect() as connection:  # e.g. an administrator, or a restart
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await asyncio.sleep(0.2)  # the closed socket reaches asyncpg

        async with engine.connect() as connection:
            second = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert second is not None and second != first
    finally:
        await engine.dispose()
        await other.dispose()


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (HUB_TEST_DATABASE_URL)")
async def test_reads_share_a_snapshot_unless_told_not_to() -> None:
    """A read session is one transaction (its clock stands still); one without a snapshot
    runs each query on its own, with no transaction round trips around them."""
    database = Database(create_engine(TEST_DATABASE_URL))
    try:
        for snapshot, expect_same in ((True, True), (False, False)):
            async with database.read(snapshot=snapshot) as session:
                first = await session.scalar(text("SELECT now()"))
                await asyncio.sleep(0.01)
                second = await session.scalar(text("SELECT now()"))
            assert (first == second) is expect_same
    finally:
        await database.close()
