"""`python -m hub serve` as a real process on a fresh machine: an empty working directory, no
configuration but the port (and the database when testing on PostgreSQL). It must migrate,
print how to log in, serve the API, and stop cleanly on Ctrl+C."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import BACKENDS, TEST_DATABASE_URL
from tests.isolation import drop_everything

START_TIMEOUT_S = 90  # imports alone take seconds on a busy machine
STOP_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Hub:
    """One `serve` process; its stdout is read line by line, its logs go to a file."""

    def __init__(self, workdir: Path, environment: dict[str, str]) -> None:
        self.workdir = workdir
        self.environment = environment
        self.log = workdir / "stderr.log"
        self.output: list[str] = []
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "hub",
                "serve",
                cwd=self.workdir,
                env=self.environment,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
            )
        assert self.process.stdout is not None
        async with asyncio.timeout(START_TIMEOUT_S):
            while not self.output or "is listening on" not in self.output[-1]:
                line = await self.process.stdout.readline()
                assert line, f"serve ended early: {self.output} {self.log.read_text()}"
                self.output.append(line.decode().rstrip("\n"))

    async def stop(self) -> int:
        """Ctrl+C, then the exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        async with asyncio.timeout(STOP_TIMEOUT_S):
            return await self.process.wait()

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


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


async def test_first_start_prints_a_login_that_works(
    environment: dict[str, str], tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{environment['HUB_PORT']}"
    hub = Hub(tmp_path, environment)
    try:
        await hub.start()
        printed = "\n".join(hub.output)
        assert f"Log in at {base}/" in printed
        assert "username: admin" in printed
        password = re.search(r"password: (\S+)", printed)
        assert password is not None, printed

        async with aiohttp.ClientSession(base) as http:
            async with http.get("/readyz") as response:
                assert response.status == 200
                assert await response.json() == {"status": "ok", "database": "ok"}
            async with http.post(
                "/api/v1/auth/login", json={"username": "admin", "password": password[1]}
            ) as response:
                assert response.status == 200, await response.text()
                token = (await response.json())["token"]
            async with http.post(
                "/api/v1/boards",
                json={"name": "Launch"},
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                assert response.status == 201, await response.text()
                assert (await response.json())["name"] == "Launch"

            # Ctrl+C with a client still connected: the hub closes its socket and stops.
            async with http.ws_connect(
                "/ws", headers={"Authorization": f"Bearer {token}"}
            ) as socket:
                assert (await socket.receive_json())["type"] == "subscribed"
                assert await hub.stop() == 0
                closing = await socket.receive()
                assert closing.type == aiohttp.WSMsgType.CLOSE
                assert closing.data == aiohttp.WSCloseCode.GOING_AWAY

        if "HUB_DATABASE_URL" not in environment:
            assert (tmp_path / "data" / "hub.db").is_file()

        # A second start finds the admin: no new password, and the data is still there.
        hub.output.clear()
        await hub.start()
        assert not any("password:" in line for line in hub.output), hub.output
        assert await hub.stop() == 0
    finally:
        await hub.kill()
    assert "Traceback" not in hub.log.read_text()
