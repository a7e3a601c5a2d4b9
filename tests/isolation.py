"""For tests of the process level (settings, CLI, migrations, a served hub): start each from
no HUB_* variables, no stray .env, and an empty database, and leave no tables behind (the API
tests on PostgreSQL build their schema with create_all and do not expect alembic_version)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import structlog
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection

from hub.db.engine import create_engine


def clear_hub_environment(monkeypatch: pytest.MonkeyPatch, workdir: Path) -> None:
    """No HUB_* variable of the developer's shell, and a working directory without a .env."""
    for name in list(os.environ):
        if name.startswith("HUB_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(workdir)


@contextmanager
def restored_logging() -> Iterator[None]:
    """Undo what `configure_logging` (run by a CLI command in this process) set up."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    alembic = logging.getLogger("alembic")
    alembic_level = alembic.level
    structlog_config = structlog.get_config()
    try:
        yield
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
        alembic.setLevel(alembic_level)
        structlog.configure(**structlog_config)


async def drop_everything(database_url: str) -> None:
    """Drop every table in the database, whoever created it (alembic_version included)."""

    def drop(connection: Connection) -> None:
        tables = MetaData()
        tables.reflect(connection)
        tables.drop_all(connection)

    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(drop)
    finally:
        await engine.dispose()


async def table_names(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    finally:
        await engine.dispose()
