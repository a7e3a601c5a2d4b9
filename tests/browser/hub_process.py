"""A real `python -m hub serve` process for the browser tests, and a small synchronous client
of its HTTP API (the browser tests are plain sync functions, so no event loop is needed)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

START_TIMEOUT_S = 90  # imports and migrations take seconds on a busy machine
STOP_TIMEOUT_S = 30
REQUEST_TIMEOUT_S = 10
READY_POLL_S = 0.05

# No proxy from the environment: every request of these tests stays on 127.0.0.1.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Api:
    """The hub's JSON API as one user (a bearer token) or anonymously."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers
        )
        try:
            with _opener.open(request, timeout=REQUEST_TIMEOUT_S) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read())

    def get(self, path: str) -> tuple[int, Any]:
        return self.call("GET", path)

    def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        return self.call("POST", path, body)

    def created(self, path: str, body: Any) -> Any:
        """POST that must answer 201; its body."""
        status, answer = self.post(path, body)
        assert status == 201, f"POST {path} {body!r} → {status} {answer!r}"
        return answer


def _json(raw: bytes) -> Any:
    return json.loads(raw) if raw else None


class HubProcess:
    """One `serve` process on a fixed port and database; it can be stopped and started again
    on both (a server restart as the browser sees it)."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.workdir = workdir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.stdout = workdir / "stdout.log"
        self.stderr = workdir / "stderr.log"
        self.process: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        """The developer's environment without any HUB_ variable, plus this hub's own."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        environment.update(
            HUB_HOST="127.0.0.1",
            HUB_PORT=str(self.port),
            HUB_DATA_DIR=str(self.workdir / "data"),
            HUB_DATABASE_URL=f"sqlite+aiosqlite:///{self.workdir / 'hub.db'}",
            HUB_SEND_RATE_PER_MINUTE="0",  # tests send in bursts; 0 is no limit
            PYTHONUNBUFFERED="1",
        )
        return environment

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        assert not self.running, "the hub is already running"
        with self.stdout.open("ab") as out, self.stderr.open("ab") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hub", "serve"],
                cwd=self.workdir,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        self.wait_ready()

    def wait_ready(self) -> None:
        """Until /readyz answers 200; the process ending first is a failure with its logs."""
        deadline = time.monotonic() + START_TIMEOUT_S
        api = Api(self.url)
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"the hub ended while starting:\n{self.logs()}")
            try:
                if api.get("/readyz")[0] == 200:
                    return
            except OSError:
                pass  # not listening yet
            time.sleep(READY_POLL_S)
        raise RuntimeError(f"the hub was not ready within {START_TIMEOUT_S} s:\n{self.logs()}")

    def stop(self, grace_s: float = STOP_TIMEOUT_S) -> bool:
        """Ctrl+C, as an operator would; killed when it has not ended after `grace_s`.
        True when it ended by itself."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return True
        process.send_signal(signal.SIGINT)
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return False
        return True

    def admin_password(self) -> str:
        """The first administrator's one-time password, as `serve` printed it."""
        printed = re.search(r"password: (\S+)", self.stdout.read_text())
        assert printed, f"serve printed no admin password:\n{self.logs()}"
        return printed[1]

    def logs(self) -> str:
        tail = self.stderr.read_text()[-4000:] if self.stderr.exists() else ""
        return f"{self.stdout.read_text() if self.stdout.exists() else ''}\n{tail}"

    def login(self, username: str, password: str) -> Api:
        status, body = Api(self.url).post(
            "/api/v1/auth/login", {"username": username, "password": password}
        )
        assert status == 200, f"login of {username} → {status} {body!r}"
        return Api(self.url, body["token"])
