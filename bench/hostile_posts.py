#!/usr/bin/env python3
"""Hostile posts against a hub: how long another client waits for its pings meanwhile.

Starts its own hub (`serve` on a free loopback port, SQLite in a temporary directory, no
send limits, run by bench/loop_probe.py; --hub-source runs another checkout's `hub`, e.g.
an older commit unpacked with `git archive`), creates --posters people and an observer in
one room, and for each family of tests/hostile_bodies.py (two ordinary ones first, to
compare with): the posters each post --posts bodies of --size characters at once, in turn
over HTTP, over the WebSocket and as an HTTP edit of their last post, while the observer (a
process of its own, bench/ping_observer.py) sends a WebSocket `ping` as soon as its last
`pong` came. Per family it prints the worst and the median ping round trip the observer saw
while the family was posted, the slowest post, how many of the posts stored over HTTP got
the plain-text fallback as their HTML (where that differs from the rendered HTML), and the
latest the hub's event loop ran meanwhile with the CPU time its thread used then: a late
loop that used little CPU was waiting for a core (another process had it), one that used it
all was busy. It prints numbers, not verdicts.

  .venv/bin/python bench/hostile_posts.py
  .venv/bin/python bench/hostile_posts.py --families "scheme dots" "image openers" --posts 6
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from fanout import setup_room
from fanout_hub import REPO, BenchError, HubProcess, bounded
from loop_probe import lateness_between
from ping_observer import Observer

from hub.render import render_markdown

sys.path.insert(0, str(REPO))
from tests.hostile_bodies import FAMILIES, MAX_SIZE, ORDINARY, hostile_body  # needs REPO


class Poster:
    """One person posting: over HTTP, over their socket, or as an edit of their last post."""

    def __init__(
        self, http: aiohttp.ClientSession, base: str, token: str, room: int, ws: Any
    ) -> None:
        self.http, self.base, self.room, self.ws = http, base, room, ws
        self.headers = {"Authorization": f"Bearer {token}"}
        self.last: int | None = None
        self.sent = 0

    async def call(self, method: str, path: str, body: str) -> dict[str, Any]:
        url = self.base + path
        async with self.http.request(method, url, json={"body": body}, headers=self.headers) as r:
            data: dict[str, Any] = await r.json(content_type=None)
            if r.status >= 300:
                raise BenchError(f"{method} {path} -> {r.status}: {str(data)[:200]}")
            return data

    async def post(self, body: str) -> str | None:
        """Post by the next way in turn: the stored HTML (over HTTP; a socket's ack has none)."""
        self.sent += 1
        way = self.sent % 3
        if way == 2 and self.last is not None:
            return str((await self.call("PATCH", f"/api/v1/messages/{self.last}", body))["html"])
        if way == 1:
            data = await self.call("POST", f"/api/v1/rooms/{self.room}/messages", body)
            self.last = int(data["id"])
            return str(data["html"])
        self.last = await self.over_socket(body)
        return None

    async def over_socket(self, body: str) -> int:
        """Send over the socket; the post's id once acknowledged."""
        client_id = f"bench-{self.sent}"
        frame = {"type": "message.send", "room": self.room, "body": body, "client_id": client_id}
        await self.ws.send_str(orjson.dumps(frame).decode())
        while True:
            data: dict[str, Any] = orjson.loads(await self.ws.receive_str())
            if data.get("type") == "ack" and data.get("client_id") == client_id:
                return int(data["id"])
            if data.get("type") == "error":
                raise BenchError(f"message.send: {data}")


async def family_figures(
    name: str, observer: Observer, posters: list[Poster], args: argparse.Namespace
) -> dict[str, Any]:
    body = hostile_body(name, args.size)
    variants = [body, body[:-1]]  # in turn: an edit changes the text
    # A fallback, where it differs from the HTML: found before, not while the loop measures.
    fallback = {v: plain_html(v) for v in variants if plain_html(v) != render_markdown(v)}
    slowest = 0.0
    fallbacks = stored = 0

    async def one(poster: Poster) -> None:
        nonlocal slowest, fallbacks, stored
        for k in range(args.posts):
            variant = variants[k % 2]
            started = time.monotonic()
            html = await poster.post(variant)
            slowest = max(slowest, time.monotonic() - started)
            if html is not None:
                stored += 1
                fallbacks += html == fallback.get(variant)

    started = time.monotonic()

    async def every_poster() -> None:
        await asyncio.gather(*map(one, posters))

    await bounded(name, args.timeout, every_poster())
    trips = await observer.between(started, time.monotonic())
    return {
        "family": name,
        "window": (started, time.monotonic()),
        "chars": len(body),
        "worst_ping_ms": round(max(trips, default=0) * 1000, 1),
        "p50_ping_ms": round(statistics.median(trips) * 1000, 2) if trips else None,
        "pings": len(trips),
        "slowest_post_ms": round(slowest * 1000, 1),
        "plain_text": fallbacks,
        "posts": args.posts * len(posters),
        "stored_over_http": stored,
    }


def plain_html(body: str) -> str:
    """The hub's plain-text fallback for `body` (hub.post_text.fallback_text), rebuilt here so
    that an older hub, which has none, can be measured too."""
    lines = "<br>\n".join(html.escape(line) for line in body.splitlines())
    return f"<p>{lines}</p>\n"


async def run(args: argparse.Namespace, probe_file: str) -> list[dict[str, Any]]:
    probe = {"LOOP_PROBE_FILE": probe_file}
    hub = HubProcess(
        None, probe, args.hub_source, (str(Path(__file__).with_name("loop_probe.py")),)
    )
    await bounded("starting the hub", 60, hub.start())
    admin = (hub.credentials["username"], hub.credentials["password"])
    rows: list[dict[str, Any]] = []
    observer = Observer()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as http:
        try:
            room, tokens = await setup_room(http, hub.url, admin, args.posters + 1, 8)
            ws_url = "ws" + hub.url.removeprefix("http") + "/ws"
            sockets = [
                await http.ws_connect(ws_url, headers={"Authorization": f"Bearer {t}"})
                for t in tokens[1:]
            ]
            posters = [
                Poster(http, hub.url, token, room, ws)
                for token, ws in zip(tokens[1:], sockets, strict=True)
            ]
            await observer.start(ws_url, tokens[0])
            for name in args.families:
                progress(f"{name} ...")
                try:
                    rows.append(await family_figures(name, observer, posters, args))
                except BenchError as exc:  # a hub stuck on one family is stuck for the rest
                    rows.append({"family": name, "error": str(exc)})
                    break
                progress(format_row(rows[-1]))
        finally:
            await observer.stop()
            await hub.stop()
    return rows


def format_row(row: dict[str, Any]) -> str:
    if "error" in row:
        return f"{row['family']:30} {row['error']}"
    return (
        f"{row['family']:30} {row['chars']:6} {row['worst_ping_ms']:10} {row['p50_ping_ms']!s:>8}"
        f" {row['pings']:7} {row['slowest_post_ms']:10}"
        f" {row['plain_text']:>3}/{row['stored_over_http']}"
        f" {row.get('hub_late_ms', ''):>9} {row.get('hub_cpu_ms', ''):>7}"
    )


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    names = [*ORDINARY, *FAMILIES]
    p.add_argument("--families", nargs="+", default=names, choices=names)
    p.add_argument("--size", type=int, default=MAX_SIZE, help="characters per body")
    p.add_argument("--posts", type=int, default=3, help="posts per poster and family")
    p.add_argument("--posters", type=int, default=2)
    p.add_argument("--hub-source", type=Path, default=REPO, help="the checkout to serve")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per family")
    p.add_argument("--json", action="store_true", help="one JSON line at the end")
    return p.parse_args(argv)


def main() -> None:
    args = parse_args()
    load = os.getloadavg()[0]
    print(f"hub: {args.hub_source}  load average at start: {load:.2f}")
    with tempfile.TemporaryDirectory(prefix="taskflow-hostile-") as scratch:
        probe_file = str(Path(scratch) / "loop.json")
        try:
            rows = asyncio.run(run(args, probe_file))
        except BenchError as exc:
            sys.exit(f"hostile_posts: {exc}")
        for row in rows:
            if "window" in row:
                late, cpu = lateness_between(probe_file, *row.pop("window"))
                row["hub_late_ms"], row["hub_cpu_ms"] = round(late * 1000, 1), round(cpu * 1000, 1)
    print(
        f"{'family':30} {'chars':>6} {'worst ping':>10} {'p50 ms':>8} {'pings':>7}"
        f" {'slowest ms':>10} {'plain':>5} {'loop late':>9} {'its CPU':>7}"
    )
    for row in rows:
        print(format_row(row))
    measured = [row for row in rows if "error" not in row]
    if measured:
        worst = max(measured, key=lambda row: row["worst_ping_ms"])
        print(f"worst ping round trip: {worst['worst_ping_ms']} ms ({worst['family']})")
    if args.json:
        print(orjson.dumps({"hub_source": str(args.hub_source), "rows": rows}).decode())


if __name__ == "__main__":
    main()
