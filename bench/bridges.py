#!/usr/bin/env python3
"""Bridge benchmark: hub → Slack deliveries through the outbox, against the fake Slack of the
tests (tests/fake_slack, in this process) and a `python -m hub serve` of our own (SQLite, a
free loopback port) whose Slack bridge (Socket Mode) is pointed at it.

Three figures, numbers not verdicts (bench/README.md reads them):
- latency: one room linked to one channel, no rate limit; --latency-messages posted over HTTP
  one after the other, each timed from the POST to the message stored in the fake: p50/p99;
- throughput: one room linked to --channels channels; --messages posted over HTTP (so
  messages x channels deliveries) as fast as the hub takes them: outbox posts/s, from the
  first POST to the last message stored;
- rate-limited drain: one room linked to --rl-channels channels, the fake allowing 1
  chat.postMessage per second per channel (429 + Retry-After beyond); --rl-messages posted:
  seconds until every channel has them all, and requests that ignored a Retry-After.

  .venv/bin/python bench/bridges.py
  .venv/bin/python bench/bridges.py --quick --json | tail -1
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from typing import Any

import aiohttp
import orjson
from fanout_hub import REPO, BenchError, HubProcess, bounded

sys.path.insert(0, str(REPO))
from tests.fake_slack import PROXY_VARIABLES, FakeSlack, Message  # needs REPO

PHASE_CAP_S = 180.0  # longest any phase may take
CONNECT_CAP_S = 30.0  # the bridge connecting to the fake
POSTERS = 8  # concurrent HTTP posters in the throughput and drain phases
QUICK = {"latency_messages": 50, "messages": 50, "channels": 10, "rl_channels": 5, "rl_messages": 5}


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Arrivals:
    """When each message text was stored in the fake, per channel (wraps Workspace.store)."""

    def __init__(self, slack: FakeSlack) -> None:
        self.at: dict[tuple[str, str], float] = {}
        self.count: dict[str, int] = {}
        self.stored = asyncio.Event()  # set at each arrival
        store = slack.workspace.store

        def timed(message: Message, thread_ts: str | None) -> Message:
            self.at[(message.channel, message.text)] = time.perf_counter()
            self.count[message.channel] = self.count.get(message.channel, 0) + 1
            self.stored.set()
            return store(message, thread_ts)

        setattr(slack.workspace, "store", timed)  # noqa: B010 (a method is replaced)

    async def wait(self, channels: list[str], each: int) -> float:
        """Until every channel has `each` messages; the time of the last arrival."""
        while any(self.count.get(c, 0) < each for c in channels):
            await self.next_arrival()
        return max(self.at.values())

    async def next_arrival(self) -> None:
        self.stored.clear()
        await self.stored.wait()


class Hub:
    """The served hub, driven over HTTP as its admin."""

    def __init__(self, hub: HubProcess, http: aiohttp.ClientSession, token: str) -> None:
        self.hub, self.http, self.token = hub, http, token

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.http.request(
            method, self.hub.url + path, json=body, headers=headers
        ) as response:
            data = await response.json(content_type=None)
            if response.status >= 300:
                raise BenchError(f"{method} {path} -> {response.status}: {data}")
            return data

    async def linked_room(self, board: int, name: str, channels: list[str]) -> int:
        room: int = (await self.call("POST", f"/api/v1/boards/{board}/rooms", {"name": name}))["id"]
        for channel in channels:
            link = {"room": room, "platform": "slack", "channel": channel}
            await self.call("POST", "/api/v1/admin/links", link)
        return room

    async def post(self, room: int, body: str) -> None:
        await self.call("POST", f"/api/v1/rooms/{room}/messages", {"body": body})

    async def post_all(self, room: int, bodies: list[str]) -> None:
        """POSTERS at once; the hub's commit order is the order every channel must show."""
        queue = list(reversed(bodies))

        async def poster() -> None:
            while queue:
                await self.post(room, queue.pop())

        await asyncio.gather(*(poster() for _ in range(POSTERS)))

    async def connected(self) -> None:
        while True:
            status = await self.call("GET", "/api/v1/admin/bridges")
            if [b["state"] for b in status["items"]] == ["connected"]:
                return
            await asyncio.sleep(0.1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def latency(hub: Hub, slack: FakeSlack, arrivals: Arrivals, board: int, n: int) -> Any:
    channel = slack.add_channel("latency")
    room = await hub.linked_room(board, "latency", [channel])
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        await hub.post(room, f"lat {i}")
        while (channel, f"lat {i}") not in arrivals.at:
            await arrivals.next_arrival()
        samples.append((arrivals.at[(channel, f"lat {i}")] - t0) * 1000)
    return {
        "messages": n,
        "p50_ms": round(statistics.median(samples), 2),
        "p99_ms": round(percentile(samples, 0.99), 2),
        "max_ms": round(max(samples), 2),
    }


async def drain(
    hub: Hub, slack: FakeSlack, arrivals: Arrivals, board: int, name: str, channels: int, n: int
) -> tuple[float, int]:
    """Post n messages into a room linked to `channels` channels: (seconds to all stored,
    deliveries)."""
    ids = [slack.add_channel(f"{name}-{c}") for c in range(channels)]
    room = await hub.linked_room(board, name, ids)
    t0 = time.perf_counter()
    await hub.post_all(room, [f"{name} {i}" for i in range(n)])
    last = await arrivals.wait(ids, n)
    orders = {tuple(m.text for m in slack.messages(channel)) for channel in ids}
    if len(orders) != 1 or len(set(next(iter(orders)))) != n:
        raise BenchError(f"{name}: the channels differ in order, or have duplicates")
    return last - t0, channels * n


async def run(args: argparse.Namespace) -> dict[str, Any]:
    for name in PROXY_VARIABLES:  # slack_sdk (in the hub) would send loopback to a proxy
        os.environ.pop(name, None)
    async with FakeSlack.running(ack_timeout_s=1.0) as slack:
        arrivals = Arrivals(slack)
        settings = {
            "HUB_SLACK_BOT_TOKEN": slack.bot_token,
            "HUB_SLACK_APP_TOKEN": slack.app_token,
            "HUB_SLACK_API_URL": slack.api_url,
            "HUB_OUTBOX_POLL_S": "0.5",
        }
        served = HubProcess(None, settings)
        try:
            await bounded("starting the hub", CONNECT_CAP_S, served.start())
            async with aiohttp.ClientSession() as http:
                login = {"username": "admin", "password": served.credentials["password"]}
                async with http.post(served.url + "/api/v1/auth/login", json=login) as resp:
                    token = (await resp.json())["token"]
                hub = Hub(served, http, token)
                await bounded("the bridge connecting", CONNECT_CAP_S, hub.connected())
                board = (await hub.call("POST", "/api/v1/boards", {"name": "bench"}))["id"]
                result: dict[str, Any] = {"benchmark": "bridges", "platform": "slack (fake)"}

                progress(f"latency: {args.latency_messages} messages, one at a time ...")
                result["latency"] = await bounded(
                    "latency", PHASE_CAP_S,
                    latency(hub, slack, arrivals, board, args.latency_messages),
                )  # fmt: skip

                progress(f"throughput: {args.messages} messages x {args.channels} channels ...")
                seconds, posts = await bounded(
                    "throughput", PHASE_CAP_S,
                    drain(hub, slack, arrivals, board, "tput", args.channels, args.messages),
                )  # fmt: skip
                result["throughput"] = {
                    "deliveries": posts,
                    "seconds": round(seconds, 2),
                    "posts_per_s": round(posts / seconds, 1),
                }

                progress(
                    f"rate-limited: {args.rl_channels} channels x {args.rl_messages} at 1/s ..."
                )
                slack.rate_limit("chat.postMessage", per_channel_per_s=1)
                seconds, posts = await bounded(
                    "rate-limited drain", PHASE_CAP_S,
                    drain(hub, slack, arrivals, board, "rl", args.rl_channels, args.rl_messages),
                )  # fmt: skip
                result["rate_limited"] = {
                    "channels": args.rl_channels,
                    "messages_per_channel": args.rl_messages,
                    "seconds": round(seconds, 2),
                    "answered_429": sum(c.status == 429 for c in slack.calls),
                    "retry_after_violations": len(slack.retry_after_violations),
                }
        finally:
            result_log = served.log_summary(await served.stop())
    result["hub_log"] = result_log
    return result


def report(result: dict[str, Any]) -> None:
    lat, tput, rl = result["latency"], result["throughput"], result["rate_limited"]
    print(f"hub → Slack latency, no rate limit ({lat['messages']} messages, one at a time):")
    print(f"  p50 {lat['p50_ms']} ms   p99 {lat['p99_ms']} ms   max {lat['max_ms']} ms")
    print(f"outbox throughput: {tput['deliveries']} deliveries in {tput['seconds']} s")
    print(f"  {tput['posts_per_s']} posts/s")
    print(
        f"rate-limited drain ({rl['channels']} channels x {rl['messages_per_channel']}, "
        f"1 msg/s per channel): {rl['seconds']} s, {rl['answered_429']} answered 429, "
        f"{rl['retry_after_violations']} Retry-After violations"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--latency-messages", type=int, default=200)
    p.add_argument("--messages", type=int, default=200, help="throughput: messages posted")
    p.add_argument("--channels", type=int, default=10, help="throughput: channels linked")
    p.add_argument("--rl-channels", type=int, default=20)
    p.add_argument("--rl-messages", type=int, default=20)
    p.add_argument("--quick", action="store_true", help="small counts, for a short look")
    p.add_argument("--json", action="store_true", help="also print one JSON line, last")
    args = p.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    counts = (args.latency_messages, args.messages, args.channels, args.rl_channels)
    if min(*counts, args.rl_messages) < 1:
        p.error("every count must be at least 1")
    return args


def main() -> None:
    args = parse_args()
    try:
        result = asyncio.run(run(args))
    except BenchError as exc:
        print(f"bench/bridges.py: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    report(result)
    if args.json:
        print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
