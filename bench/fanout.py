#!/usr/bin/env python3
"""Fan-out benchmark of the hub's WebSocket delivery: one room, N subscribed sockets, S senders.

Starts its own hub (`python -m hub serve` on a free loopback port, SQLite in a fresh temporary
directory, no send rate limit) unless --url names a running one; creates the users, one board
and one room holding all of them over the HTTP API; opens N WebSockets subscribed to the room;
then measures each --rate in turn on the same sockets, and the hub's RSS per idle connection.
It prints numbers, not verdicts: bench/README.md says what each figure means.

  .venv/bin/python bench/fanout.py --subscribers 50 --duration 3
  .venv/bin/python bench/fanout.py --url http://127.0.0.1:8000 --admin-password PW --server-pid PID
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import secrets
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import aiohttp
import orjson
from fanout_hub import (
    BenchError,
    HubProcess,
    ProcessProbe,
    bounded,
    raise_fd_limit,
    require_loopback,
)
from fanout_load import Bench, Phase, Plan, close_all, open_all, open_subscriber, run_phase
from fanout_report import table

ROOM_CREATE_MEMBERS = 100  # members named when creating the room; the others join one by one
SPARE_FILES = 256  # open files beyond one per socket (the hub's database, logs, listeners)
USER_PASSWORD = "bench-" + secrets.token_hex(8)


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def seconds_since(t0: float) -> float:
    return round(time.monotonic() - t0, 2)


async def setup_room(
    http: aiohttp.ClientSession, base: str, admin: tuple[str, str], users: int, concurrency: int
) -> tuple[int, list[str]]:
    """Users, a board with all of them and a room with all of them: (room id, bearer tokens)."""
    tag = secrets.token_hex(3)  # fresh names, so that runs against one hub never collide
    names = [f"bench_{tag}_{k}" for k in range(users)]
    limit = asyncio.Semaphore(concurrency)

    async def post(path: str, body: dict[str, Any], token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with limit, http.post(base + path, json=body, headers=headers) as resp:
            data = await resp.json(content_type=None)
            if resp.status >= 300:
                raise BenchError(f"setup: POST {path} -> {resp.status}: {data}")
            return data

    async def login(username: str, password: str) -> str:
        body = {"username": username, "password": password}
        token: str = (await post("/api/v1/auth/login", body))["token"]
        return token

    root = await login(*admin)
    user = {"password": USER_PASSWORD}
    await asyncio.gather(
        *(post("/api/v1/users", {**user, "username": u, "display_name": u}, root) for u in names)
    )
    board = (await post("/api/v1/boards", {"name": f"fan-out {tag}"}, root))["id"]
    await asyncio.gather(
        *(post(f"/api/v1/boards/{board}/members", {"username": u}, root) for u in names)
    )
    first, rest = names[:ROOM_CREATE_MEMBERS], names[ROOM_CREATE_MEMBERS:]
    room_body = {"name": f"fan-out {tag}", "description": "bench/fanout.py", "members": first}
    room: int = (await post(f"/api/v1/boards/{board}/rooms", room_body, root))["id"]
    await asyncio.gather(
        *(post(f"/api/v1/rooms/{room}/members", {"username": u}, root) for u in rest)
    )
    tokens = await asyncio.gather(*(login(u, USER_PASSWORD) for u in names))
    return room, list(tokens)


async def measure(
    args: argparse.Namespace, base: str, admin: tuple[str, str], pid: int | None
) -> dict[str, Any]:
    """Everything once the hub is up: setup, sockets, idle memory, the phases."""
    probe = ProcessProbe(pid) if pid else None
    plan = Plan(**{key: getattr(args, key) for key in Plan.names()})
    ws_url = "ws" + base.removeprefix("http") + "/ws"
    result: dict[str, Any] = {}
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=60)
    )
    async with session as http:
        progress(f"setup: {args.users} users, a board and a room over the HTTP API ...")
        t0 = time.monotonic()
        setup = setup_room(http, base, admin, args.users, args.http_concurrency)
        room, accounts = await bounded("the setup", args.setup_timeout, setup)
        result["setup_s"] = seconds_since(t0)
        tokens = [accounts[k % len(accounts)] for k in range(args.subscribers)]
        bench = Bench(f"room:{room}")
        # One throwaway socket first, so lazy imports and pools are not billed per connection.
        first = await bounded("a first socket", 30, open_subscriber(http, bench, ws_url, tokens[0]))
        await close_all([first])
        await asyncio.sleep(0.5)
        rss_before = probe.rss() if probe else None
        progress(f"opening {args.subscribers} sockets ...")
        t0 = time.monotonic()
        opening = open_all(http, bench, ws_url, tokens, args.connect_concurrency)
        subs, errors = await bounded("opening the sockets", args.connect_timeout, opening)
        connect_s = seconds_since(t0)
        sampler = None
        try:
            if len(subs) < args.senders:
                raise BenchError(f"only {len(subs)} sockets subscribed: {dict(errors)}")
            await asyncio.sleep(args.settle)
            rss_idle = probe.rss() if probe else None
            result["connect"] = {
                "connected": len(subs),
                "seconds": connect_s,
                "errors": dict(errors),
                **bench.tally.as_json(),
            }
            result["memory"] = memory_figures(rss_before, rss_idle, len(subs))
            sampler = asyncio.create_task(probe.sample_peak()) if probe else None
            result["phases"] = []
            for index, rate in enumerate(args.rate):
                phase = Phase(index, rate)
                progress(f"phase {index + 1}/{len(args.rate)}: {phase.name} ...")
                limit = 0.05 + plan.warmup + plan.duration + 5 + plan.drain + 1
                running = run_phase(bench, subs, phase, plan, room, probe)
                result["phases"].append(await bounded(phase.name, limit, running))
            if result["memory"] and probe:
                result["memory"]["rss_peak_mib"] = round(probe.peak_rss / 2**20, 1)
        finally:
            if sampler is not None:
                sampler.cancel()
            await close_all(subs)
    return result


def memory_figures(before: int | None, idle: int | None, sockets: int) -> dict[str, Any] | None:
    if before is None or idle is None:
        return None
    return {
        "rss_before_mib": round(before / 2**20, 1),
        "rss_idle_mib": round(idle / 2**20, 1),
        "per_connection_kib": round((idle - before) / sockets / 1024, 1),
    }


async def run(args: argparse.Namespace, log: IO[bytes] | None) -> dict[str, Any]:
    this = asyncio.current_task()
    assert this is not None
    # SIGTERM ends the run like Ctrl+C does: through the `finally` that stops our hub.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, this.cancel)
    result: dict[str, Any] = {
        "config": {k: getattr(args, k) for k in ("subscribers", "users", "rate", *Plan.names())},
        "client": {
            "python": platform.python_version(),
            "aiohttp": aiohttp.__version__,
            "loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
            "cpus": os.cpu_count(),
        },
    }
    if args.url:
        require_loopback(args.url)
        result["hub"] = {"how": f"hub at {args.url}", "pid": args.server_pid}
        admin = (args.admin_user, args.admin_password)
        return result | await measure(args, args.url.rstrip("/"), admin, args.server_pid)
    hub = HubProcess(log)
    try:
        progress(f"starting a hub on {hub.url} (SQLite in {hub.workdir.name}) ...")
        await bounded("starting the hub", args.start_timeout, hub.start())
        result["hub"] = {"how": f"hub started here (pid {hub.pid}, SQLite)", "pid": hub.pid}
        admin = (hub.credentials.get("username", "admin"), hub.credentials["password"])
        result |= await measure(args, hub.url, admin, hub.pid)
        if not hub.alive():
            raise BenchError(hub.died("exited during the run"))
    except BenchError as exc:
        if hub.samples:
            raise BenchError(f"{exc}\nhub log:\n  " + "\n  ".join(hub.samples)) from None
        raise
    finally:
        status = await hub.stop()
        result["hub_log"] = hub.log_summary(status)
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/fanout.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = p.add_argument
    add("--subscribers", type=int, default=500, help="sockets in the room, senders included")
    add("--senders", type=int, default=4, help="how many of those sockets send")
    add(
        "--users",
        type=int,
        help="accounts the sockets log in as, in turn (default: one per socket); "
        "fewer make the setup faster, which costs a password hash per account",
    )
    add(
        "--rate",
        type=float,
        nargs="+",
        default=[5.0, 0.0],
        metavar="MSGS_PER_S",
        help="total send rate of each phase, run in turn on the same sockets; 0 = full speed "
        "(each sender keeps --window messages awaiting their acks); default: 5 0",
    )
    add("--duration", type=float, default=10, help="measured seconds per phase")
    add("--warmup", type=float, default=2, help="seconds of sending before the window")
    add("--drain", type=float, default=5, help="longest wait for late deliveries after a phase")
    add("--drain-idle", type=float, default=2, help="stop draining after this long with nothing")
    add("--window", type=int, default=8, help="full speed: messages in flight per sender")
    add("--payload", type=int, default=64, help="padding characters per message body")
    add("--settle", type=float, default=1, help="idle seconds before reading the idle RSS")
    add("--json", action="store_true", help="also print the result as one JSON line")
    add("--url", help="measure this running hub (loopback only) instead of starting one")
    add("--admin-user", default="admin", help="with --url: an admin account for the setup")
    add("--admin-password", help="with --url: that account's password")
    add("--server-pid", type=int, help="with --url: the hub's pid, for its RSS and CPU")
    add("--hub-log", type=Path, help="copy the started hub's output to this file")
    add(
        "--http-concurrency",
        type=int,
        default=1,
        help="setup requests in flight; more than 1 makes a SQLite hub answer 500 (database "
        "is locked) now and then, as it hashes passwords inside write transactions",
    )
    add("--connect-concurrency", type=int, default=50, help="WebSocket handshakes in flight")
    add("--start-timeout", type=float, default=60, help="seconds for the hub to come up")
    add("--setup-timeout", type=float, default=1800, help="seconds for the HTTP setup")
    add("--connect-timeout", type=float, default=300, help="seconds to open all the sockets")
    args = p.parse_args(argv)
    args.users = args.users or args.subscribers
    if not 1 <= args.senders <= args.subscribers or not 1 <= args.users <= args.subscribers:
        p.error("need 1 <= --senders <= --subscribers and 1 <= --users <= --subscribers")
    if min(args.rate) < 0 or args.duration <= 0 or args.window < 1 or args.payload < 0:
        p.error("need --rate >= 0, --duration > 0, --window >= 1 and --payload >= 0")
    if args.url and not args.admin_password:
        p.error("--url needs --admin-password (and --admin-user unless it is 'admin')")
    return args


def main() -> None:
    args = parse_args()
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop
    with contextlib.suppress(ImportError):
        import uvloop  # the client is one process: give it the faster loop when there is one

        loop_factory = uvloop.new_event_loop
    try:
        raise_fd_limit(args.subscribers + SPARE_FILES)  # our sockets, and our hub's (inherited)
        with (
            open(args.hub_log, "wb") if args.hub_log else contextlib.nullcontext() as log,
            asyncio.Runner(loop_factory=loop_factory) as runner,
        ):
            result = runner.run(run(args, log))
    except (BenchError, aiohttp.ClientError) as exc:
        sys.exit(f"fanout: {exc}")
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit("fanout: interrupted (the hub it started has been stopped)")
    print(table(result))
    if args.json:
        print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
