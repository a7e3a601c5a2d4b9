#!/usr/bin/env python3
"""The hub and the Django Channels peer side by side, with the peer's own load client.

It holds 2,000 idle sockets on one hub (bench/fanout.py) and runs bench/storage.py --quick;
then, for each configuration (500 subscribers x 5 msg/s for latency, 500 x full speed for
throughput), it runs the peer (run_peer.sh, redis and memory layers) and a fresh hub (SQLite,
`python -m hub serve` on a free loopback port) with `wsbench.py`, interleaved. It prints the
goals of issue 5 against the figures, and one JSON line with everything; each run's raw JSON
is kept in bench/results/<timestamp>/. Loopback only; it stops on its own (--time-limit).

  .venv/bin/python bench/compare.py            # what `make bench` runs (under 10 minutes)
  .venv/bin/python bench/compare.py --quick    # a short look (100 subscribers, 3 s windows)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import orjson
from compare_report import summary_rows, table
from compare_runs import (
    Deadline,
    Peer,
    ensure_peer_venv,
    find_peer,
    floor_run,
    hold_run,
    hub_run,
    peer_run,
    run_json,
    storage_run,
)
from fanout_hub import REPO, BenchError, raise_fd_limit

PEER_MODES = ("redis", "memory")
FLOOR = "floor (mock_hub.py)"  # the client against a server that does next to nothing
SPARE_FILES = 256  # open files beyond one per socket
RUN_CAP_S = 330.0  # longest any one run may take (wsbench's own limit is 300 s)
HOLD_CAP_S = 150.0  # longest the socket hold may take
STORAGE_CAP_S = 240.0  # longest bench/storage.py --quick may take (about 1 to 3 minutes)
BRIDGES_CAP_S = 120.0  # longest bench/bridges.py may take (about 40 s)
QUICK = {"subscribers": 100, "duration": 3.0, "warmup": 1.0, "drain": 3.0, "hold_sockets": 500}


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def load_options(args: argparse.Namespace, rate: float) -> list[str]:
    """The wsbench.py options of one configuration: identical for the peer and the hub."""
    return [
        f"--subscribers={args.subscribers}",
        f"--senders={args.senders}",
        f"--rate={rate:g}",
        f"--duration={args.duration:g}",
        f"--warmup={args.warmup:g}",
        f"--drain={args.drain:g}",
    ]


async def comparisons(
    args: argparse.Namespace, peer: Peer, deadline: Deadline, out: Path, result: dict[str, Any]
) -> None:
    """Each configuration in turn; in it, peer and hub runs interleaved, `--repeat` times.

    A run is skipped when less time is left than its stack's last complete run took."""
    configs = {"latency": args.latency_rate, "throughput": 0.0}
    took: dict[str, float] = {}  # stack -> wall seconds of its last complete run
    for config, rate in configs.items():
        runs: list[dict[str, Any]] = result["runs"].setdefault(config, [])
        for repeat in range(args.repeat):
            stacks = [*(f"channels+{m}" for m in args.peer_modes), "hub"]
            if config == "latency" and repeat == 0 and args.floor:
                stacks.append(FLOOR)
            for stack in stacks:
                name = f"{config}-{stack.split()[0].replace('+', '-')}-{repeat + 1}"
                entry: dict[str, Any] = {"config": config, "stack": stack, "repeat": repeat}
                runs.append(entry)
                left = min(deadline.left(), RUN_CAP_S)
                if left < max(args.duration + args.warmup + 10, took.get(stack, 0.0)):
                    entry["skipped"] = True
                    result["problems"].append(f"{name}: skipped, {left:.0f} s left (out of time)")
                    continue
                progress(f"[{deadline.elapsed():>5} s] {name} ...")
                t0 = time.monotonic()
                load, save = load_options(args, rate), out / f"{name}.json"
                try:
                    if stack == "hub":
                        entry["result"] = await hub_run(peer, load, left, save, args.hub_env)
                    elif stack == FLOOR:
                        entry["result"] = await floor_run(peer, load, left, save)
                    else:
                        mode = stack.removeprefix("channels+")
                        entry["result"] = await peer_run(peer, mode, load, left, save)
                    took[stack] = time.monotonic() - t0
                except BenchError as exc:
                    result["problems"].append(f"{name}: {exc}")
                entry["wall_s"] = round(time.monotonic() - t0, 1)


async def extras(
    args: argparse.Namespace, deadline: Deadline, out: Path, result: dict[str, Any]
) -> None:
    """The 2,000-socket hold, the Slack bridge and the storage/history benchmarks, each
    with a time cap."""
    if args.hold_sockets:
        progress(f"[{deadline.elapsed():>5} s] holding {args.hold_sockets} sockets on one hub ...")
        seconds = min(deadline.left(), HOLD_CAP_S)
        try:
            result["hold"] = await hold_run(
                args.hold_sockets, args.hold_users, seconds, out / "hold.json"
            )
        except BenchError as exc:
            result["problems"].append(f"hold: {exc}")
    if not args.no_bridges:
        progress(f"[{deadline.elapsed():>5} s] Slack bridge deliveries (bench/bridges.py) ...")
        try:
            seconds = min(deadline.left(), BRIDGES_CAP_S)
            cmd = [sys.executable, str(REPO / "bench" / "bridges.py"), "--json"]
            result["bridges"] = await run_json(
                cmd, seconds, "the bridges benchmark", out / "bridges.json"
            )
        except BenchError as exc:
            result["problems"].append(f"bridges: {exc}")
    if args.no_storage:
        return
    progress(f"[{deadline.elapsed():>5} s] storage and history (bench/storage.py --quick) ...")
    try:
        seconds = min(deadline.left(), STORAGE_CAP_S)
        result["storage"] = await storage_run(args.storage_args, seconds, out / "storage.json")
    except BenchError as exc:
        result["problems"].append(f"storage: {exc}")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    this = asyncio.current_task()
    assert this is not None
    # SIGTERM ends the run like Ctrl+C does: every subprocess started is stopped on the way out.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, this.cancel)
    deadline = Deadline(args.time_limit)
    peer = find_peer(args.peer_dir)
    await ensure_peer_venv(peer, deadline)
    out = args.results / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "config": {k: v for k, v in vars(args).items() if k != "results"},
        "labels": {
            "latency": f"{args.subscribers} x {args.latency_rate:g}/s",
            "throughput": f"{args.subscribers} x full speed",
        },
        "peer": {"dir": str(peer.root), "venv": str(peer.venv)},
        "load_start": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        "results_dir": str(out),
        "runs": {},
        "problems": [],
    }
    result["config"]["peer_dir"] = str(peer.root)
    try:
        # The bounded, predictable steps first; the comparisons then get all the time left.
        await extras(args, deadline, out, result)
        await comparisons(args, peer, deadline, out, result)
    finally:
        result["elapsed_s"] = deadline.elapsed()
        result["load_end"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        (out / "result.json").write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    return result


def hub_variable(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.startswith("HUB_"):
        raise argparse.ArgumentTypeError(f"not HUB_NAME=VALUE: {text!r}")
    return name, value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/compare.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = p.add_argument
    add(
        "--quick",
        action="store_true",
        help="a short look: 100 subscribers, 3 s windows, 500 sockets held (explicit options win)",
    )
    add("--subscribers", type=int, help="sockets in the room, senders included (default 500)")
    add("--senders", type=int, default=4, help="how many of those sockets send")
    add("--latency-rate", type=float, default=5.0, help="messages/s of the latency configuration")
    add("--duration", type=float, help="measured seconds per run (default 10)")
    add("--warmup", type=float, help="seconds of sending before the window (default 2)")
    add("--drain", type=float, help="longest wait for late deliveries (default 5)")
    add("--repeat", type=int, default=1, help="runs of each stack per configuration")
    add(
        "--peer-modes",
        nargs="+",
        choices=PEER_MODES,
        default=list(PEER_MODES),
        help="channel layers of the peer to run (default: both)",
    )
    add("--hold-sockets", type=int, help="idle sockets held on one hub, 0 to skip (default 2000)")
    add("--hold-users", type=int, default=20, help="accounts those sockets log in as")
    add("--no-storage", action="store_true", help="skip bench/storage.py")
    add("--no-bridges", action="store_true", help="skip bench/bridges.py")
    add(
        "--no-floor",
        dest="floor",
        action="store_false",
        help="skip the latency run against ../shared/peers/mock_hub.py (the client's floor)",
    )
    add(
        "--storage-args",
        nargs=argparse.REMAINDER,
        default=[],
        help="the rest of the line goes to bench/storage.py (after --quick --json)",
    )
    add(
        "--hub-env",
        metavar="HUB_NAME=VALUE",
        nargs="+",
        type=hub_variable,
        default=[],
        help="settings for the hubs of the comparison runs, e.g. HUB_WRITE_BATCH_MAX=1",
    )
    add("--peer-dir", help="the peer's directory (default: $PEER_DIR, else ../shared/peers)")
    add("--results", type=Path, default=REPO / "bench" / "results", help="where runs are saved")
    add(
        "--time-limit",
        type=float,
        default=560,
        help="seconds for everything; what would start later is skipped (default 560)",
    )
    args = p.parse_args(argv)
    args.hub_env = dict(args.hub_env)
    defaults = {
        "subscribers": 500,
        "duration": 10.0,
        "warmup": 2.0,
        "drain": 5.0,
        "hold_sockets": 2000,
    }
    for key, value in (QUICK if args.quick else defaults).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if not 1 <= args.senders <= args.subscribers or args.repeat < 1 or args.duration <= 0:
        p.error("need 1 <= --senders <= --subscribers, --repeat >= 1 and --duration > 0")
    if args.latency_rate <= 0 or args.hold_sockets < 0 or args.hold_users < 1:
        p.error("need --latency-rate > 0, --hold-sockets >= 0 and --hold-users >= 1")
    return args


def main() -> None:
    args = parse_args()
    try:
        raise_fd_limit(max(args.subscribers, args.hold_sockets) + SPARE_FILES)
        result = asyncio.run(run(args))
    except BenchError as exc:
        sys.exit(f"compare: {exc}")
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit("compare: interrupted (what it started has been stopped)")
    try:
        rows = summary_rows(result)
        result["summary"] = [asdict(row) for row in rows]
        print(table(result, rows))
    finally:  # the figures are worth having even if the table cannot be made
        print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
