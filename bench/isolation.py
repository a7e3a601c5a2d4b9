#!/usr/bin/env python3
"""Load isolation: does one socket flooding junk frames slow everybody else down?

Starts its own hub (bench/fanout_hub.py: `python -m hub serve`, SQLite, a free loopback
port) with the hub's own frame budget unless told otherwise; opens --idle sockets (1,000)
subscribed to one room, and one measured client in another room that posts --rate messages/s
and times the delivery of each to itself (the sender and receiver of bench/fanout_load.py).
Two phases on the same sockets: quiet, then flooded, with bench/flooder.py (a process of its
own) sending junk frames as fast as it can from the start of the measured window. Prints the
measured deliveries' p50/p99 in each phase, their ratio, and whether and when the hub
refused and closed the flooder. Numbers, not verdicts: bench/README.md reads them.

  .venv/bin/python bench/isolation.py
  .venv/bin/python bench/isolation.py --frames-per-second 1e9   # as good as no budget
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from fanout import setup_room
from fanout_hub import BenchError, HubProcess, ProcessProbe, bounded, raise_fd_limit
from fanout_load import (
    Bench,
    Phase,
    Plan,
    Subscriber,
    close_all,
    now_ns,
    open_all,
    open_subscriber,
    run_phase,
)

from hub.settings import Settings

FLOODER = Path(__file__).resolve().parent / "flooder.py"
HUB_DEFAULTS = Settings.model_fields
SPARE_FILES = 256


class Flooder:
    """bench/flooder.py as a child process: connected, waiting for `go`."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, url: str, token: str, seconds: float, reconnect: bool) -> Flooder:
        options = ["--seconds", str(seconds), *(["--reconnect"] if reconnect else [])]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(FLOODER),
            url,
            token,
            *options,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        flooder = cls(process)
        assert process.stdout is not None
        if await bounded("the flooder's start", 30, process.stdout.readline()) != b"ready\n":
            await flooder.stop()
            raise BenchError("the flooder could not connect")
        return flooder

    def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"go\n")

    async def result(self, seconds: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await bounded("the flood", seconds + 15, self.process.stdout.readline())
        await self.process.wait()
        result: dict[str, Any] = orjson.loads(line)
        return result

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def measure(args: argparse.Namespace, hub: HubProcess) -> dict[str, Any]:
    probe = ProcessProbe(hub.pid)
    ws_url = "ws" + hub.url.removeprefix("http") + "/ws"
    admin = (hub.credentials.get("username", "admin"), hub.credentials["password"])
    plan = Plan(1, 1, 64, warmup=args.warmup, duration=args.duration, drain=3, drain_idle=1)
    result: dict[str, Any] = {}
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=60)
    )
    async with session as http:
        idle_room, idle_tokens = await bounded(
            "the idle room's setup", 600, setup_room(http, hub.url, admin, args.users, 1)
        )
        room, (measured_token, flooder_token) = await bounded(
            "the measured room's setup", 60, setup_room(http, hub.url, admin, 2, 1)
        )
        idle_bench, bench = Bench(f"room:{idle_room}"), Bench(f"room:{room}")
        tokens = [idle_tokens[k % len(idle_tokens)] for k in range(args.idle)]
        opening = open_all(http, idle_bench, ws_url, tokens, args.connect_concurrency)
        idle, errors = await bounded("opening the idle sockets", 300, opening)
        result["idle"] = {"open": len(idle), "errors": dict(errors)}
        opening_measured = open_subscriber(http, bench, ws_url, measured_token)
        measured = await bounded("the measured client", 30, opening_measured)
        flooder: Flooder | None = None
        try:
            await asyncio.sleep(1)
            quiet = run_phase(bench, [measured], Phase(0, args.rate), plan, room, probe)
            result["quiet"] = await bounded("the quiet phase", phase_limit(plan), quiet)
            flooder = await Flooder.start(ws_url, flooder_token, args.duration, args.reconnect)
            phase = Phase(1, args.rate)
            flooded = flooded_phase(bench, measured, flooder, phase, plan, room, probe)
            result["flood"] = await bounded("the flooded phase", phase_limit(plan), flooded)
            result["flooder"] = await flooder.result(args.duration)
            result["idle"]["closed_by_hub"] = dict(idle_bench.tally.closed)
        finally:
            if flooder is not None:
                await flooder.stop()
            await close_all([*idle, measured])
    return result


async def flooded_phase(
    bench: Bench,
    measured: Subscriber,
    flooder: Flooder,
    phase: Phase,
    plan: Plan,
    room: int,
    probe: ProcessProbe,
) -> dict[str, Any]:
    """A phase of the measured client, with the flood let go at the start of its window."""
    running = asyncio.create_task(run_phase(bench, [measured], phase, plan, room, probe))
    await asyncio.sleep(0)  # run_phase sets the window's start before it first waits
    await asyncio.sleep(max(0, phase.win_start - now_ns()) / 1e9)
    flooder.go()
    return await running


def phase_limit(plan: Plan) -> float:
    return 0.05 + plan.warmup + plan.duration + 5 + plan.drain + 1


async def run(args: argparse.Namespace) -> dict[str, Any]:
    budget = {
        "HUB_WS_FRAMES_PER_SECOND": f"{args.frames_per_second:g}",
        "HUB_WS_FRAME_BURST": str(args.frame_burst),
    }
    hub = HubProcess(None, budget)
    result: dict[str, Any] = {"config": {k: v for k, v in vars(args).items() if k != "json"}}
    try:
        await bounded("starting the hub", 60, hub.start())
        result["hub"] = f"hub started here (pid {hub.pid}, SQLite)"
        result |= await measure(args, hub)
    finally:
        result["hub_log"] = hub.log_summary(await hub.stop())
    return result


def report(result: dict[str, Any]) -> str:
    cfg, quiet, flood, flooder = (result[k] for k in ("config", "quiet", "flood", "flooder"))
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("deliveries timed", lambda p: str(p["delivered"])),
        ("latency p50 ms", lambda p: f"{p['latency_ms']['p50']:.1f}"),
        ("latency p99 ms", lambda p: f"{p['latency_ms']['p99']:.1f}"),
        ("latency max ms", lambda p: f"{p['latency_ms']['max']:.1f}"),
        ("hub CPU", lambda p: f"{p['hub_cpu_pct']:.0f} %"),
        ("client CPU", lambda p: f"{p['client_cpu_pct']:.0f} %"),
    ]
    lines = [
        f"TaskFlow Hub load isolation: {result['idle']['open']} idle sockets in one room "
        f"({cfg['users']} users), one client in another room posting {cfg['rate']:g}/s and "
        f"timing its own deliveries over {cfg['duration']:g} s; frame budget "
        f"{cfg['frames_per_second']:g}/s, burst {cfg['frame_burst']}; {result['hub']}",
        "",
        f"{'':<20}{'quiet':>10}{'flood':>10}",
        *(f"{label:<20}{cell(quiet):>10}{cell(flood):>10}" for label, cell in rows),
        "",
        f"p99 flooded / quiet: {flood['latency_ms']['p99'] / quiet['latency_ms']['p99']:.2f}x",
        f"flooder: {flooder['frames']:,} frames in {flooder['seconds']} s over "
        f"{flooder['connections']} connection(s)",
    ]
    for n, sock in enumerate(flooder["sockets"], 1):
        refused = (
            f"refused (rate_limited) {sock['rate_limited_after_s'] * 1000:.1f} ms and "
            f"{sock['frames_before_refusal']:,} frames after its first frame"
            if "rate_limited_after_s" in sock
            else "never refused"
        )
        closed = (
            f"closed by the hub ({sock['close_code']}) after {sock['open_s'] * 1000:.0f} ms"
            if sock["closed_by_hub"]
            else "not closed by the hub"
        )
        lines.append(f"  socket {n}: {sock['frames']:,} frames, {refused}; {closed}")
    lines.append(f"idle sockets closed by the hub: {result['idle']['closed_by_hub'] or 'none'}")
    if result["hub_log"]["events"]:
        lines.append(f"hub warnings and errors: {result['hub_log']['events']}")
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/isolation.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = p.add_argument
    add("--idle", type=int, default=1000, help="idle sockets in the other room")
    add("--users", type=int, default=50, help="accounts the idle sockets log in as, in turn")
    add("--rate", type=float, default=20.0, help="the measured client's messages/s")
    add("--duration", type=float, default=8.0, help="measured seconds per phase")
    add("--warmup", type=float, default=1.0, help="seconds of sending before each window")
    fps, burst = HUB_DEFAULTS["ws_frames_per_second"], HUB_DEFAULTS["ws_frame_burst"]
    add("--frames-per-second", type=float, default=fps.default, help="HUB_WS_FRAMES_PER_SECOND")
    add("--frame-burst", type=int, default=burst.default, help="HUB_WS_FRAME_BURST")
    add("--reconnect", action="store_true", help="the flooder reconnects when it is closed")
    add("--connect-concurrency", type=int, default=50, help="WebSocket handshakes in flight")
    add("--json", action="store_true", help="also print the result as one JSON line")
    args = p.parse_args()
    if args.rate <= 0 or args.duration <= 0 or not 1 <= args.users <= args.idle:
        p.error("need --rate > 0, --duration > 0 and 1 <= --users <= --idle")
    return args


def main() -> None:
    args = parse_args()
    try:
        raise_fd_limit(args.idle + SPARE_FILES)
        result = asyncio.run(run(args))
    except (BenchError, aiohttp.ClientError) as exc:
        sys.exit(f"isolation: {exc}")
    except KeyboardInterrupt:
        sys.exit("isolation: interrupted (the hub it started has been stopped)")
    print(report(result))
    if args.json:
        print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
