"""/healthz, /readyz and /metrics: no login, and /readyz follows the database."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from hub.api.openapi import openapi_path
from hub.app import API_TABLES, create_app
from hub.settings import Settings
from tests.conftest import Api, UserFactory

ClientFactory = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


async def test_healthz_and_readyz_answer_without_login(anonymous: Api) -> None:
    assert await anonymous.get("/healthz") == (200, {"status": "ok"})
    assert await anonymous.get("/readyz") == (200, {"status": "ok", "database": "ok"})


def assert_unavailable(status: int, body: Any, *secrets: str) -> None:
    assert status == 503, body
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == "unavailable"
    for secret in secrets:
        assert secret not in body["error"]["message"]


async def test_readyz_is_503_while_the_sqlite_file_cannot_be_opened(
    settings: Settings, tmp_path: Path, aiohttp_client: ClientFactory
) -> None:
    directory = tmp_path / "gone"
    database_url = f"sqlite+aiosqlite:///{directory / 'hub.db'}"
    app = create_app(settings.model_copy(update={"database_url": database_url}))
    api = Api(await aiohttp_client(app))
    shutil.rmtree(directory)
    status, body = await api.get("/readyz")
    assert_unavailable(status, body, str(directory))
    assert (await api.get("/healthz"))[0] == 200  # alive, just not ready
    directory.mkdir()
    assert (await api.get("/readyz"))[0] == 200  # and ready again once it can be opened


async def test_readyz_is_503_when_postgresql_is_unreachable(
    settings: Settings, aiohttp_client: ClientFactory
) -> None:
    database_url = "postgresql+asyncpg://hub:s3cret-password@127.0.0.1:1/hub"
    app = create_app(settings.model_copy(update={"database_url": database_url}))
    api = Api(await aiohttp_client(app))
    status, body = await api.get("/readyz")
    assert_unavailable(status, body, "s3cret-password", "127.0.0.1:1")


def samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


async def test_metrics_is_prometheus_text_counting_requests_by_route(
    make_user: UserFactory, anonymous: Api
) -> None:
    alice = await make_user("alice")
    await alice.get("/api/v1/me")
    await alice.get("/api/v1/me")
    anonymous.client.session.cookie_jar.clear()  # make_user's login left its cookie there
    await anonymous.get("/api/v1/me")
    await anonymous.get("/api/v1/no-such-thing-987654")
    templated = next(
        (
            endpoint.path
            for table in API_TABLES
            for endpoint in table.endpoints
            if endpoint.method == "GET" and "{" in endpoint.path
        ),
        None,
    )
    if templated is not None:
        await alice.get(openapi_path(templated).replace("{id}", "987654"))

    async with anonymous.client.get("/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    counts = {
        (labels["method"], labels["route"], labels["status"]): value
        for labels, value in samples(text, "hub_http_requests_total")
    }
    assert counts[("GET", "/api/v1/me", "200")] == 2
    assert counts[("GET", "/api/v1/me", "401")] == 1
    assert counts[("GET", "unmatched", "404")] == 1
    if templated is not None:
        assert any(route == openapi_path(templated) for _, route, _ in counts)
    # Routes are labelled by their template, never by the raw path (bounded label values).
    assert not any("987654" in route for _, route, _ in counts)
    durations = samples(text, "hub_http_request_duration_seconds_count")
    assert any(labels["route"] == "/api/v1/me" and value == 3 for labels, value in durations)
