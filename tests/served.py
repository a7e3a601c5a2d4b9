"""A real `python -m hub serve` process, as a fresh machine runs it: an empty working
directory, no configuration but the port (and the database when testing on PostgreSQL)."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

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
