"""Requests generated from /api/openapi.json by schemathesis never get a 5xx.

Schemathesis calls with a synchronous HTTP client, so the hub is served from an event loop in
a background thread. Examples per operation are bounded and derandomized so that the run is
repeatable and short; the test is skipped where schemathesis is not installed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from hub.app import create_app
from hub.appkeys import DATABASE, PASSWORDS
from hub.services.users import create_user
from hub.settings import Settings
from tests.conftest import BACKENDS, DEFAULT_PASSWORD, database_url_for, reset_schema

schemathesis = pytest.importorskip("schemathesis")
requests = pytest.importorskip("requests")

EXAMPLES_PER_OPERATION = 30
# Logging out would end the session the rest of the run uses.
SKIPPED_OPERATIONS = {("POST", "/api/v1/auth/logout")}
ResultT = TypeVar("ResultT")


class HubThread:
    """A hub served on a free loopback port by an event loop in its own thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runner: web.AppRunner | None = None

    def run(self, coroutine: Coroutine[Any, Any, ResultT]) -> ResultT:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    async def serve(self, settings: Settings) -> str:
        await reset_schema(settings.database_url)
        app = create_app(settings)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        async with app[DATABASE].write() as session:
            await create_user(
                session,
                app[PASSWORDS],
                "root",
                DEFAULT_PASSWORD,
                display_name="Root",
                is_admin=True,
            )
        port = self.runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self.runner is not None:
            self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def make_world(base_url: str, headers: dict[str, str]) -> None:
    """One object of each kind, so that generated small ids sometimes name real objects."""

    def post(path: str, body: dict[str, Any]) -> int:
        response = requests.post(f"{base_url}{path}", json=body, headers=headers, timeout=10)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    board = post("/api/v1/boards", {"name": "Fuzz"})
    task = post(f"/api/v1/boards/{board}/tasks", {"title": "A task"})
    room = post(f"/api/v1/boards/{board}/rooms", {"name": "fuzz-room"})
    post(f"/api/v1/rooms/{room}/messages", {"body": "hello @root"})
    post(f"/api/v1/tasks/{task}/comments", {"body": "hello"})


@pytest.fixture(scope="module", params=BACKENDS)
def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    tmp_path: Path = tmp_path_factory.mktemp("fuzz")
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url_for(request.param, tmp_path),
        secret_key="test-secret-key",  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
    )
    server = HubThread()
    try:
        base_url = server.run(server.serve(settings))
        login = requests.post(
            f"{base_url}/api/v1/auth/login",
            json={"username": "root", "password": DEFAULT_PASSWORD},
            timeout=10,
        )
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        make_world(base_url, headers)
        yield base_url, headers
    finally:
        server.stop()


def test_generated_requests_never_get_a_server_error(hub: tuple[str, dict[str, str]]) -> None:
    base_url, headers = hub
    schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json", timeout=10)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED_OPERATIONS:
            continue

        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def no_server_error(case: Any) -> None:
            response = case.call(base_url=base_url, headers=headers, timeout=10)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} query={case.query} body={case.body!r}"
                f" → {response.status_code} {response.text[:300]}"
            )

        try:
            no_server_error()
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    assert not failures, "\n".join(failures)
