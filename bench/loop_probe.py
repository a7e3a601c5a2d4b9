"""`python bench/loop_probe.py serve …`: the hub, with a task that notes each time its event
loop ran late, and how much CPU time the loop's thread used meanwhile: a late loop that used
little was waiting for a CPU (other processes), one that used it all was busy. At cleanup it
writes them to the JSON file named by $LOOP_PROBE_FILE: [[started, late_s, cpu_s], ...], with
`started` on the system's monotonic clock (the same in every process)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

import hub.__main__ as cli
from hub.app import create_app
from hub.settings import Settings

TICK_S = 0.002
LATE_S = 0.005  # later than this is noted
_TICKER = web.AppKey("loop_probe", asyncio.Task[None])


def probed_app(settings: Settings) -> web.Application:
    app = create_app(settings)
    late: list[tuple[float, float, float]] = []

    async def tick() -> None:
        while True:
            started, cpu = time.monotonic(), time.thread_time()
            await asyncio.sleep(TICK_S)
            if (lateness := time.monotonic() - started - TICK_S) > LATE_S:
                late.append((started, lateness, time.thread_time() - cpu))

    async def start(app: web.Application) -> None:
        app[_TICKER] = asyncio.get_running_loop().create_task(tick())

    async def stop(app: web.Application) -> None:
        app[_TICKER].cancel()
        await asyncio.to_thread(Path(os.environ["LOOP_PROBE_FILE"]).write_bytes, orjson.dumps(late))

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return app


def lateness_between(path: str, start: float, end: float) -> tuple[float, float]:
    """The latest the loop ran in [start, end], and the CPU time it used meanwhile (seconds)."""
    late: list[Any] = orjson.loads(Path(path).read_bytes())
    inside = [(lateness, cpu) for started, lateness, cpu in late if start <= started <= end]
    return max(inside, default=(0.0, 0.0))


if __name__ == "__main__":
    vars(cli)["create_app"] = probed_app  # `serve` builds its app with the name it imported
    cli.main()
