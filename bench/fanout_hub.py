"""The hub under test for bench/fanout.py: a `serve` process of our own, or a loopback URL."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import ipaddress
import os
import re
import resource
import signal
import socket
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Coroutine
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit

import aiohttp

T = TypeVar("T")
REPO = Path(__file__).resolve().parent.parent
STOP_TIMEOUT_S = 10.0  # SIGINT, then SIGKILL
LOG_LEVEL = re.compile(rb"\blevel=(warning|error|critical)\b")
LOG_EVENT = re.compile(rb'\bevent=(?:"((?:[^"\\]|\\.)*)"|(\S+))')
CREDENTIAL = re.compile(rb"^\s*(username|password):\s*(\S+)\s*$")


class BenchError(Exception):
    """A phase failed or ran out of time: the run stops with this one message."""


async def bounded(what: str, seconds: float, work: Coroutine[Any, Any, T]) -> T:
    try:
        async with asyncio.timeout(seconds):
            return await work
    except TimeoutError:
        raise BenchError(f"{what} took longer than {seconds:g} s") from None


def require_loopback(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BenchError(f"--url must be http://host:port, not {url!r}")
    for *_, addr in socket.getaddrinfo(parts.hostname, parts.port or 80):
        if not ipaddress.ip_address(addr[0]).is_loopback:
            raise BenchError(f"refusing to load {parts.hostname} ({addr[0]}): loopback only")


class ProcessProbe:
    """RSS and CPU time of one process: psutil when it is installed, else /proc (Linux)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_rss = 0
        try:
            self._ps: Any = importlib.import_module("psutil").Process(pid)
        except ImportError:
            self._ps = None

    def rss(self) -> int | None:
        try:
            if self._ps is not None:
                value = int(self._ps.memory_info().rss)
            else:
                status = Path(f"/proc/{self.pid}/status").read_text()
                kib = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
                if kib is None:
                    return None
                value = int(kib.group(1)) * 1024
        except Exception:  # the process is gone, or neither psutil nor /proc is there
            return None
        self.peak_rss = max(self.peak_rss, value)
        return value

    def cpu_s(self) -> float | None:
        try:
            if self._ps is not None:
                times = self._ps.cpu_times()
                return float(times.user + times.system)
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except Exception:
            return None

    async def sample_peak(self) -> None:
        while True:
            self.rss()
            await asyncio.sleep(0.2)


class HubProcess:
    """`python -m hub serve` on a free loopback port, in a throwaway directory (so SQLite).

    Its output is read all along (a full pipe would stall the hub): the first admin's
    credentials are taken from it, warnings and errors counted, and the rest optionally
    copied to a log file.
    """

    def __init__(
        self,
        log: IO[bytes] | None,
        settings: dict[str, str] | None = None,
        source: Path = REPO,
        entry: tuple[str, ...] = ("-m", "hub"),
    ) -> None:
        self.settings = settings or {}  # extra HUB_* variables for this hub
        self.source = source  # the checkout whose `hub` package runs (this one by default)
        self.entry = entry  # what `python` runs, given `serve`
        self.workdir = tempfile.TemporaryDirectory(prefix="taskflow-fanout-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.credentials: dict[str, str] = {}
        self.tail: deque[str] = deque(maxlen=25)
        self.levels: Counter[str] = Counter()
        self.events: Counter[str] = Counter()  # warnings and errors by log event
        self.samples: list[str] = []
        self._log = log
        self._proc: asyncio.subprocess.Process | None = None
        self._pump: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    async def start(self) -> None:
        """Start `serve`; return once it answers and its first admin password is known."""
        # A clean HUB_* environment and cwd, so no .env or HUB_CONFIG of the caller applies.
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env.update(
            HUB_HOST="127.0.0.1",
            HUB_PORT=str(self.port),
            HUB_DATA_DIR=str(Path(self.workdir.name) / "data"),
            HUB_SEND_RATE_PER_MINUTE="0",
            # Full-speed senders are machines, at 60 messages/s each and more: lift the
            # per-socket frame budget out of their way (bench/isolation.py sets it back).
            HUB_WS_FRAMES_PER_SECOND="1000000",
            HUB_SEND_BYTES_PER_MINUTE="0",
            # Setup creates and logs in an account per socket: cheap hashes keep it short
            # (they are not on the measured path).
            HUB_PASSWORD_HASH_TIME_COST="1",
            HUB_PASSWORD_HASH_MEMORY_KIB="1024",
            PYTHONUNBUFFERED="1",
            PYTHONPATH=os.pathsep.join(filter(None, [str(self.source), env.get("PYTHONPATH")])),
        )
        env.update(self.settings)
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *self.entry,
            "serve",
            cwd=self.workdir.name,
            env=env,
            start_new_session=True,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._pump = asyncio.create_task(self._read_output(self._proc.stdout))
        answered: float | None = None
        async with aiohttp.ClientSession() as http:
            while "password" not in self.credentials or answered is None:
                if self._proc.returncode is not None:
                    raise BenchError(self.died(f"exited with status {self._proc.returncode}"))
                if answered is not None and time.monotonic() - answered > 2:
                    raise BenchError(self.died("serves, but printed no first admin password"))
                if answered is None:
                    with contextlib.suppress(aiohttp.ClientError):
                        async with http.get(self.url + "/healthz") as resp:
                            answered = time.monotonic() if resp.status == 200 else None
                await asyncio.sleep(0.1)

    async def _read_output(self, stream: asyncio.StreamReader | None) -> None:
        assert stream is not None
        async for line in stream:
            found = CREDENTIAL.match(line)
            if found and found.group(1).decode() not in self.credentials:
                self.credentials[found.group(1).decode()] = found.group(2).decode()
                continue  # never echo the password into logs, tails or reports
            if self._log is not None:
                self._log.write(line)
            text = line.decode(errors="replace").rstrip()
            self.tail.append(text)
            level = LOG_LEVEL.search(line)
            if level or text.startswith("Traceback"):
                self.levels[level.group(1).decode() if level else "traceback"] += 1
                event = LOG_EVENT.search(line) if level else None
                if event:
                    self.events[(event.group(1) or event.group(2)).decode(errors="replace")] += 1
                if len(self.samples) < 5:
                    self.samples.append(text[:300])

    def died(self, how: str) -> str:
        return f"the hub {how}; its last output:\n  " + "\n  ".join(self.tail)

    def log_summary(self, exit_status: int | None) -> dict[str, Any]:
        """What the hub logged at warning level and above, and how it ended."""
        return {
            "levels": dict(self.levels),
            "events": dict(self.events),
            "samples": self.samples,
            "exit": exit_status,
        }

    def alive(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    async def stop(self) -> int | None:
        """SIGINT, then SIGKILL after STOP_TIMEOUT_S; returns the exit status."""
        proc = self._proc
        if proc is not None and proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if self._pump is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._pump, 2)
        self.workdir.cleanup()
        return proc.returncode if proc is not None else None


def raise_fd_limit(needed: int) -> None:
    """Raise this process's soft limit of open files (inherited by the processes it starts)
    to `needed`, within the hard limit; a clear error when the hard limit is below it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise BenchError(f"{needed} open files needed, but `ulimit -Hn` is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
