"""Keeps one bridge connected: starts it, restarts it with capped, jittered backoff when it
fails, and says what state it is in (for /api/v1/admin/bridges, the admin page, /metrics).

Bad credentials are not retried in a tight loop: the bridge waits the longest backoff
between tries, so a token fixed on the platform side is picked up without a restart."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Literal, get_args

import structlog

from bridges.backoff import backoff_s
from bridges.protocol import BadCredentials, Bridge, InboundSink

State = Literal["connecting", "connected", "reconnecting", "bad_credentials", "stopped"]
STATES: tuple[State, ...] = get_args(State)
logger = structlog.get_logger(__name__)


@dataclass(slots=True)
class BridgeState:
    """What the supervisor last saw of its bridge."""

    state: State = "stopped"
    last_error: str | None = None
    since: float = 0.0  # time.time() of the last change of state
    restarts: int = 0


class Supervisor:
    """Runs `bridge` until `stop`: connect, wait for the connection to end, back off, again."""

    def __init__(self, bridge: Bridge, sink: InboundSink, *, max_backoff_s: float) -> None:
        self.bridge = bridge
        self.status = BridgeState()
        self._sink = sink
        self._max_backoff_s = max_backoff_s
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    @property
    def platform(self) -> str:
        return self.bridge.platform

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"bridge-{self.platform}")

    async def wait_connected(self) -> None:
        await self._connected.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.bridge.stop()
        self._set("stopped")

    async def _run(self) -> None:
        failures = 0
        self._set("connecting")
        while True:
            try:
                await self.bridge.start(self._sink)
                failures = 0
                self._set("connected")
                self._connected.set()
                await self.bridge.wait_closed()
                error: str | None = "connection closed"
                wait_s = backoff_s(1, self._max_backoff_s)
                state: State = "reconnecting"
            except BadCredentials as exc:
                error, wait_s, state = (
                    str(exc) or "bad credentials",
                    self._max_backoff_s,
                    "bad_credentials",
                )
            except Exception as exc:
                failures += 1
                error = f"{type(exc).__name__}: {exc}"
                wait_s = backoff_s(failures, self._max_backoff_s)
                state = "reconnecting"
            self._connected.clear()
            self.status.restarts += 1
            self._set(state, error)
            logger.warning("bridge_down", platform=self.platform, error=error, retry_in_s=wait_s)
            with contextlib.suppress(Exception):
                await self.bridge.stop()
            await asyncio.sleep(wait_s)

    def _set(self, state: State, error: str | None = None) -> None:
        self.status.state = state
        if error is not None:
            self.status.last_error = error
        self.status.since = time.time()
