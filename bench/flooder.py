#!/usr/bin/env python3
"""The flooder of bench/isolation.py, in a process of its own: one WebSocket that sends junk
frames as fast as it can, reading the hub's answers meanwhile (a client that did not read
would be dropped as a slow consumer, which is not what is measured).

The junk is the outside probe's: nine unreadable frames, then a ping, over and over, so that
the hub's "too many invalid frames in a row" limit never ends the flood. It connects, prints
`ready`, waits for a line on stdin, floods until the hub closes it or --seconds pass (with
--reconnect: opens a new socket each time the hub closes one, until then), and prints its
result as one JSON line.

  python bench/flooder.py ws://127.0.0.1:8000/ws TOKEN --seconds 8
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any, Literal

import aiohttp
import orjson

CYCLE = ["junk"] * 9 + ['{"type":"ping"}']
YIELD_EVERY = 50  # frames between two chances for the reader to see the hub's close

Socket = aiohttp.ClientWebSocketResponse[Literal[False]]


async def read_answers(ws: Socket, seen: dict[str, Any]) -> None:
    """Count the hub's answers until it closes the socket; note its refusal when it comes."""
    async for message in ws:
        if message.type is not aiohttp.WSMsgType.TEXT:
            break
        seen["answers"] += 1
        if b'"rate_limited"' in message.data and "rate_limited_after_s" not in seen:
            seen["rate_limited_after_s"] = round(time.monotonic() - seen["t0"], 4)
            seen["frames_before_refusal"] = seen["frames"]


async def flood_one(ws: Socket, until: float) -> dict[str, Any]:
    seen: dict[str, Any] = {"frames": 0, "answers": 0, "t0": time.monotonic()}
    reader = asyncio.create_task(read_answers(ws, seen))
    try:
        while not ws.closed and not reader.done() and time.monotonic() < until:
            for frame in CYCLE * (YIELD_EVERY // len(CYCLE)):
                await ws.send_str(frame)
                seen["frames"] += 1
            await asyncio.sleep(0)
    except (ConnectionError, aiohttp.ClientError):
        pass
    closed_by_hub = time.monotonic() < until  # else our time is up, and we close it
    if closed_by_hub and not reader.done():
        await asyncio.wait([reader], timeout=5)  # for the hub's close frame
    reader.cancel()
    seen.update(
        open_s=round(time.monotonic() - seen.pop("t0"), 3),
        closed_by_hub=closed_by_hub,
        close_code=ws.close_code if closed_by_hub else None,
    )
    await ws.close()
    return seen


async def flood(args: argparse.Namespace) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {args.token}"}
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(args.url, headers=headers, decode_text=False)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        started = time.monotonic()
        until = started + args.seconds
        sockets = [await flood_one(ws, until)]
        while args.reconnect and time.monotonic() < until:
            ws = await http.ws_connect(args.url, headers=headers, decode_text=False)
            sockets.append(await flood_one(ws, until))
        seconds = time.monotonic() - started
    return {
        "seconds": round(seconds, 2),
        "frames": sum(s["frames"] for s in sockets),
        "sockets": sockets if len(sockets) <= 3 else [*sockets[:2], sockets[-1]],
        "connections": len(sockets),
    }


def main() -> None:
    p = argparse.ArgumentParser(prog="bench/flooder.py", description=__doc__)
    p.add_argument("url", help="the hub's ws:// URL")
    p.add_argument("token", help="a bearer token")
    p.add_argument("--seconds", type=float, default=8.0, help="longest flood")
    p.add_argument("--reconnect", action="store_true", help="reconnect each time it is closed")
    result = asyncio.run(flood(p.parse_args()))
    print(orjson.dumps(result).decode(), flush=True)


if __name__ == "__main__":
    main()
