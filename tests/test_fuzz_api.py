"""schemathesis, with all its checks, finds nothing to report in /api/openapi.json and the
server answering it: no 5xx, every status, content type, header and body as documented, every
schema-valid request accepted and every schema-violating one refused.

The hub is served from an event loop in a background thread (schemathesis calls with a
synchronous HTTP client) and tested through schemathesis' engine, the same run as
`st run --checks all` (its examples, coverage, fuzzing and stateful phases), on each backend.
The run is bounded (EXAMPLES_PER_OPERATION; 30-50 s per backend on a 2-core machine) and
repeatable (a fixed seed, deterministic generation, no example database, one worker).

What the document cannot say is supplied as test data (`state_data`), as schemathesis' config
does for ids it cannot guess: whether a username names an existing user (and a board member),
which columns a board has, and the caller's current password. A value of the right shape is
otherwise refused with 400, rightly (DESIGN §5: a wrong field), which the positive-data check
would report. A `before_call` hook fills it in, since schemathesis 4.32 applies configured
body values in its fuzzing phase but not in its coverage phase. Both data checks also take
413: a body over HUB_MAX_REQUEST_BYTES, or a message over HUB_MAX_MESSAGE_BYTES (limits in
bytes, which a schema cannot state), is refused with 413 whether or not it fits the schema.

Not tested: POST /api/v1/auth/logout, which would end the session the rest of the run uses
(tests/test_http_security.py covers it).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
import schemathesis
from aiohttp import web
from schemathesis.engine import Status, events

from hub.app import create_app
from hub.appkeys import DATABASE, PASSWORDS
from hub.services.users import create_user
from hub.settings import Settings
from tests.conftest import (
    BACKENDS,
    DEFAULT_PASSWORD,
    FAST_PASSWORD_HASHING,
    database_url_for,
    reset_schema,
)

EXAMPLES_PER_OPERATION = 50
SEED = 20_261_112
ADMIN = "root"
LOGOUT = "POST /api/v1/auth/logout"
OWN_DOCUMENT = "GET /api/openapi.json"  # schemathesis leaves out the schema it was given
# The statuses that refuse input and those that accept it: schemathesis' defaults, plus 413.
REFUSING = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
ACCEPTING = ["2xx", "3xx", "401", "403", "404", "409", "413", "429"]
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
                session, app[PASSWORDS], ADMIN, DEFAULT_PASSWORD, display_name="Root", is_admin=True
            )
        port = self.runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self.runner is not None:
            self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def make_world(base_url: str, headers: dict[str, str]) -> dict[str, int]:
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
    return {"board": board, "task": task, "room": room}


def state_data(world: dict[str, int]) -> dict[str, dict[str, dict[str, Any]]]:
    """operationId → {"path"|"body": {name: value}}: values the document cannot describe."""
    on_the_board = {"status": "todo", "assignees": [ADMIN]}  # the world board's columns
    return {
        "create_task": {"path": {"id": world["board"]}, "body": on_the_board},
        "patch_task": {"path": {"id": world["task"]}, "body": on_the_board},
        "create_room": {"body": {"members": [ADMIN]}},
        "add_board_member": {"body": {"username": ADMIN}},
        "add_room_member": {"body": {"username": ADMIN}},
        "add_link": {"body": {"room": world["room"], "board": world["board"]}},
        "link_identity": {"body": {"username": ADMIN}},
        # The admin's password stays the same, so that the run keeps its login.
        "patch_me": {"body": {"password": DEFAULT_PASSWORD, "current_password": DEFAULT_PASSWORD}},
    }


def fill_in(case: Any, data: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Put the test data into the fields a generated case sends (schemathesis then judges the
    case again: a negative case whose only mutation was replaced is a positive one)."""
    wanted = data.get(case.operation.definition.raw.get("operationId"), {})
    if case.path_parameters:
        case.path_parameters.update(wanted.get("path", {}))
    if isinstance(case.body, dict):
        for name, value in wanted.get("body", {}).items():
            if name in case.body or (name == "current_password" and "password" in case.body):
                case.body[name] = value


@pytest.fixture(scope="module", params=BACKENDS)
def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str], dict[str, int]]]:
    tmp_path: Path = tmp_path_factory.mktemp("fuzz")
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url_for(request.param, tmp_path),
        secret_key="test-secret-key",  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
        **FAST_PASSWORD_HASHING,
    )
    server = HubThread()
    try:
        base_url = server.run(server.serve(settings))
        login = requests.post(
            f"{base_url}/api/v1/auth/login",
            json={"username": ADMIN, "password": DEFAULT_PASSWORD},
            timeout=10,
        )
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        yield base_url, headers, make_world(base_url, headers)
    finally:
        server.stop()


@pytest.fixture
def with_test_data(hub: tuple[str, dict[str, str], dict[str, int]]) -> Iterator[None]:
    data = state_data(hub[2])

    def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
        fill_in(case, data)

    hook = schemathesis.hook(before_call)
    try:
        yield
    finally:
        schemathesis.hooks.GLOBAL_HOOK_DISPATCHER.unregister(hook)


def run_config(headers: dict[str, str]) -> Any:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "workers": 1,
            "headers": headers,
            "checks": {
                "enabled": True,
                "negative_data_rejection": {"expected-statuses": [*REFUSING, "5xx"]},
                "positive_data_acceptance": {"expected-statuses": [*ACCEPTING, "5xx"]},
            },
            "generation": {
                "max-examples": EXAMPLES_PER_OPERATION,
                "deterministic": True,
                "database": "none",
            },
            "operations": [{"include-operation-id": "logout", "enabled": False}],
        }
    )


def describe(failure_info: Any) -> str:
    failure = failure_info.failure
    return f"{failure.title}: {failure.message}\n    {failure_info.code_sample}"


def test_schemathesis_finds_nothing(
    hub: tuple[str, dict[str, str], dict[str, int]], with_test_data: None
) -> None:
    base_url, headers, _ = hub
    schema = schemathesis.openapi.from_url(
        f"{base_url}/api/openapi.json", config=run_config(headers), timeout=10
    )
    document = requests.get(f"{base_url}/api/openapi.json", timeout=10).json()
    documented = {f"{m.upper()} {path}" for path, item in document["paths"].items() for m in item}
    tested = {result.ok().label for result in schema.get_all_operations()}
    assert tested == documented - {LOGOUT, OWN_DOCUMENT}
    problems: list[str] = []
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, (events.ScenarioFinished, events.FuzzScenarioFinished)):
            for checks in event.recorder.checks.values():
                problems += [
                    f"{event.recorder.label}: {describe(check.failure_info)}"
                    for check in checks
                    if check.status == Status.FAILURE and check.failure_info is not None
                ]
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            problems.append(f"error: {event!r}")
        elif isinstance(event, events.EngineFinished):
            problems += [f"{failure.title}: {failure.message}" for failure in event.failures]
    assert not problems, "\n".join(dict.fromkeys(problems))
