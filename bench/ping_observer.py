#!/usr/bin/env python3
"""Another client of a hub, in a process of its own, so that nothing the benchmark does holds
up its pings: `python bench/ping_observer.py WS_URL TOKEN` sends a WebSocket `ping` as soon as
the last `pong` came and prints a line per round trip, `started seconds` (`started` on the
system's monotonic clock, the same in every process). `Observer` runs it and reads them."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time

import aiohttp
import orjson

FLUSH_S = 0.05


async def observe(url: str, token: str) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(url, headers={"Authorization": f"Bearer {token}"}) as ws,
    ):
        flushed = time.monotonic()
        while True:
            started = time.monotonic()
            await ws.send_str('{"type":"ping"}')
            while orjson.loads(await ws.receive_str()).get("type") != "pong":
                pass
            ended = time.monotonic()
            sys.stdout.write(f"{started} {ended - started}\n")
            if ended - flushed > FLUSH_S:
                sys.stdout.flush()
                flushed = ended


class Observer:
    """The observer process, and the round trips it reported: (started, seconds)."""

    def __init__(self) -> None:
        self.trips: list[tuple[float, float]] = []
        self._process: asyncio.subprocess.Process | None = None
        self._reading: asyncio.Task[None] | None = None
        self._pinging = asyncio.Event()

    async def start(self, url: str, token: str) -> None:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, url, token, stdout=asyncio.subprocess.PIPE
        )
        self._reading = asyncio.create_task(self._read())
        await self._pinging.wait()

    async def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        async for line in self._process.stdout:
            started, seconds = line.split()
            self.trips.append((float(started), float(seconds)))
            self._pinging.set()

    async def between(self, start: float, end: float) -> list[float]:
        """The round trips started in [start, end] (once the observer has reported them)."""
        await asyncio.sleep(2 * FLUSH_S)
        return [seconds for started, seconds in self.trips if start <= started <= end]

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            await self._process.wait()
        if self._reading is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(observe(sys.argv[1], sys.argv[2]))
