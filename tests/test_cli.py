"""The command line on a real database (SQLite, and PostgreSQL when HUB_TEST_DATABASE_URL is
set): migrate, createuser, demo; what they create is then used through the HTTP API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from click.testing import CliRunner, Result

from hub.__main__ import main
from hub.app import create_app
from hub.db.migrate import head_revision
from hub.db.models import Base
from hub.settings import Settings
from tests.conftest import Api
from tests.isolation import (
    clear_hub_environment,
    drop_everything,
    restored_logging,
    table_names,
)

ClientFactory = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture(autouse=True)
def _logging() -> Iterator[None]:
    with restored_logging():
        yield


@pytest.fixture
async def database_url(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[str]:
    """An empty database that the CLI is configured for, through HUB_* variables only."""
    clear_hub_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("HUB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(settings.data_dir))
    await drop_everything(settings.database_url)
    yield settings.database_url
    await drop_everything(settings.database_url)


async def invoke(*args: str, stdin: str | None = None) -> Result:
    """Run the CLI in this process (in a thread: each command runs its own event loop)."""
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), input=stdin)


async def login(api: Api, username: str, password: str) -> tuple[int, dict[str, object]]:
    return await api.post("/api/v1/auth/login", {"username": username, "password": password})


@pytest.fixture
async def api(database_url: str, settings: Settings, aiohttp_client: ClientFactory) -> Api:
    """The hub served on the database the CLI wrote (built only when a test asks for it)."""
    return Api(await aiohttp_client(create_app(settings)))


async def test_migrate_creates_the_schema_once(database_url: str) -> None:
    result = await invoke("migrate")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"database schema upgraded from (empty) to {head_revision()}\n"
    assert await table_names(database_url) == {*Base.metadata.tables, "alembic_version"}

    result = await invoke("migrate")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"database schema is up to date (revision {head_revision()})\n"


async def test_createuser_makes_accounts_that_log_in(database_url: str, api: Api) -> None:
    result = await invoke("createuser", "alice", "--password", "alice-password")
    assert result.exit_code == 0, result.output
    assert result.stdout == "created user alice\n"
    result = await invoke("createuser", "Root", "--admin", "--password", "root-password")
    assert result.stdout == "created administrator Root\n"

    status, body = await login(api, "alice", "alice-password")
    assert status == 200
    assert body["user"] == body["user"] | {"username": "alice", "is_admin": False}
    status, body = await login(api, "root", "root-password")
    assert status == 200
    assert body["user"] == body["user"] | {"username": "Root", "is_admin": True}


async def test_createuser_asks_for_the_password_twice(database_url: str, api: Api) -> None:
    result = await invoke("createuser", "bob", stdin="bob-password\nbob-password\n")
    assert result.exit_code == 0, result.output
    assert "bob-password" not in result.output
    assert (await login(api, "bob", "bob-password"))[0] == 200


async def test_createuser_refuses_a_taken_name(database_url: str) -> None:
    assert (await invoke("createuser", "alice", "--password", "alice-password")).exit_code == 0
    result = await invoke("createuser", "ALICE", "--password", "other-password")
    assert result.exit_code == 1
    assert result.stderr == "error: the username 'ALICE' is taken\n"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["room", "--password", "room-password"], "reserved"),
        (["two words", "--password", "some-password"], "letters, digits"),
        (["carol", "--password", "short"], "8 to 256 characters"),
    ],
)
async def test_createuser_validates_like_the_api(
    database_url: str, args: list[str], says: str
) -> None:
    result = await invoke("createuser", *args)
    assert result.exit_code == 2
    assert says in result.stderr
    assert await table_names(database_url) == set()


async def test_demo_loads_once_and_its_people_log_in(database_url: str, api: Api) -> None:
    result = await invoke("demo")
    assert result.exit_code == 0, result.output
    logins = dict(
        line.split()
        for line in result.stdout.splitlines()
        if line.startswith("  ") and len(line.split()) == 2
    )
    assert set(logins) == {"alice", "bob", "carol"}

    again = await invoke("demo")
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.stdout

    status, body = await login(api, "carol", logins["carol"])
    assert status == 200
    carol = Api(api.client, token=str(body["token"]))
    status, boards = await carol.get("/api/v1/boards")
    assert status == 200
    assert [board["name"] for board in boards["items"]] == ["TaskFlow demo"]


async def test_a_database_that_cannot_be_reached_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clear_hub_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    result = await invoke("migrate")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1


async def test_link_adds_lists_and_removes_bridge_links(database_url: str) -> None:
    assert (await invoke("demo")).exit_code == 0
    result = await invoke("link", "add", "--room", "1", "--platform", "slack", "--channel", "C1")
    assert result.exit_code == 0, result.output
    assert result.stdout == "linked 1: slack C1 ↔ room\n"
    result = await invoke("link", "list")
    assert result.stdout == "1\tslack\tC1\troom 1\tboth\n"
    again = await invoke("link", "add", "--room", "1", "--platform", "slack", "--channel", "C1")
    assert again.exit_code == 1 and "already linked" in again.stderr
    nowhere = await invoke("link", "add", "--room", "999", "--platform", "slack", "--channel", "C2")
    assert nowhere.exit_code == 1 and nowhere.stderr == "error: there is no room 999\n"
    neither = await invoke("link", "add", "--platform", "slack", "--channel", "C3")
    assert neither.exit_code == 1 and "give exactly one of them" in neither.stderr
    assert (await invoke("link", "remove", "1")).stdout == "removed link 1\n"
    assert (await invoke("link", "list")).stdout == ""
    assert (await invoke("link", "remove", "1")).stderr == "error: no such link\n"
