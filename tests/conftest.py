"""Shared fixtures: a hub app on a fresh database (SQLite, and PostgreSQL too when
HUB_TEST_DATABASE_URL is set), served through aiohttp's test client, and a small API client."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.app import create_app
from hub.appkeys import DATABASE, PASSWORDS
from hub.db.engine import create_engine
from hub.db.models import Base
from hub.services.users import create_user
from hub.settings import Settings
from tests.isolation import drop_everything
from tests.served import free_port

TEST_DATABASE_URL = os.environ.get("HUB_TEST_DATABASE_URL", "")
DEFAULT_PASSWORD = "correct horse battery"

# Cheap argon2 parameters for every test hub: the tests check behaviour, not the cost of a hash.
FAST_PASSWORD_HASHING = {"password_hash_time_cost": 1, "password_hash_memory_kib": 1024}


BACKENDS = ["sqlite", "postgresql"] if TEST_DATABASE_URL else ["sqlite"]


def database_url_for(backend: str, tmp_path: Path) -> str:
    if backend == "postgresql":
        return TEST_DATABASE_URL
    return f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"


async def reset_schema(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.run_sync(Base.metadata.create_all)
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a test hub; every test using it runs on SQLite, and on PostgreSQL when
    HUB_TEST_DATABASE_URL is set. `@pytest.mark.settings(name=value)` overrides fields."""
    marker = request.node.get_closest_marker("settings")
    overrides = marker.kwargs if marker else {}
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url_for(request.param, tmp_path),
        secret_key="test-secret-key",  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
        **{**FAST_PASSWORD_HASHING, **overrides},
    )


@dataclass
class Api:
    """A test client bound to one user's bearer token (or none)."""

    client: TestClient[web.Request, web.Application]
    token: str | None = None
    username: str | None = None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def call(
        self, method: str, path: str, json: Any = None, **kwargs: Any
    ) -> tuple[int, Any]:
        async with self.client.request(
            method, path, json=json, headers=self.headers(), **kwargs
        ) as response:
            body = await response.json(content_type=None) if response.status != 204 else None
            return response.status, body

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, json: Any = None, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("POST", path, json=json, **kwargs)

    async def patch(self, path: str, json: Any = None, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("PATCH", path, json=json, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("DELETE", path, **kwargs)


UserFactory = Callable[..., Awaitable[Api]]


@pytest.fixture
async def app(settings: Settings) -> web.Application:
    await reset_schema(settings.database_url)
    return create_app(settings)


@pytest.fixture
async def client(
    app: web.Application,
    aiohttp_client: Callable[..., Awaitable[TestClient[web.Request, web.Application]]],
) -> TestClient[web.Request, web.Application]:
    return await aiohttp_client(app)


@pytest.fixture
def anonymous(client: TestClient[web.Request, web.Application]) -> Api:
    return Api(client)


@pytest.fixture
def make_user(client: TestClient[web.Request, web.Application]) -> UserFactory:
    """Create a user directly in storage, log in over HTTP, return an Api bound to its token."""

    async def make(username: str, *, admin: bool = False, password: str = DEFAULT_PASSWORD) -> Api:
        async with client.app[DATABASE].write() as session:
            await create_user(
                session,
                client.app[PASSWORDS],
                username,
                password,
                display_name=username.title(),
                is_admin=admin,
            )
        status, body = await Api(client).post(
            "/api/v1/auth/login", {"username": username, "password": password}
        )
        assert status == 200, body
        client.session.cookie_jar.clear()  # this Api speaks with its token, not the cookie
        return Api(client, token=body["token"], username=username)

    return make


@pytest.fixture
async def admin(make_user: UserFactory) -> Api:
    return await make_user("root", admin=True)


@pytest.fixture(params=BACKENDS)
async def environment(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, str]]:
    """The developer's environment without any HUB_ variable, plus a free HUB_PORT."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    environment["HUB_PORT"] = str(free_port())
    if request.param == "postgresql":
        environment["HUB_DATABASE_URL"] = TEST_DATABASE_URL
        await drop_everything(TEST_DATABASE_URL)
    yield environment
    if request.param == "postgresql":
        await drop_everything(TEST_DATABASE_URL)


__all__ = ["Api", "AsyncIterator", "UserFactory"]
