"""The load of bench/fanout.py: subscribed sockets that count what they get, and the senders.

A message body is "bench <phase> <index> <send time, monotonic ns> <padding>"; senders and
receivers share this process and its clock, so each receipt yields a latency on its own.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import aiohttp
import orjson
from fanout_hub import BenchError, ProcessProbe

now_ns = time.monotonic_ns
ACK_TIMEOUT_S = 5.0  # full speed: a sender refills its window after waiting this long for acks


@dataclass(frozen=True)
class Plan:
    senders: int
    window: int  # full speed: messages awaiting their ack, per sender
    payload: int  # padding characters per body
    warmup: float
    duration: float
    drain: float  # longest wait for late deliveries
    drain_idle: float  # stop draining after this long with nothing arriving

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


@dataclass
class Tally:
    """Frames other than benchmark broadcasts, and sockets the hub closed, during a phase."""

    frames: Counter[str] = field(default_factory=Counter)
    error_codes: Counter[str] = field(default_factory=Counter)
    closed: Counter[str] = field(default_factory=Counter)  # close code -> sockets
    seq_gaps: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "frames": dict(self.frames),
            "error_codes": dict(self.error_codes),
            "closed_by_server": dict(self.closed),
            "seq_gaps": self.seq_gaps,
        }


@dataclass
class Phase:
    index: int
    rate: float  # messages/s from all senders together; 0: full speed
    win_start: int = 1 << 62  # the measurement window, monotonic ns
    win_end: int = 1 << 62
    sockets: int = 0
    sent: int = 0  # inside the window
    sent_total: int = 0
    delivered: int = 0  # receipts of messages sent inside the window
    recv_in_window: int = 0  # receipts inside the window, whenever sent
    last_recv: int = 0
    acks: int = 0
    stalls: int = 0
    send_lag_max: int = 0
    latency: array[int] = field(default_factory=lambda: array("q"))
    ack_latency: array[int] = field(default_factory=lambda: array("q"))
    tally: Tally = field(default_factory=Tally)

    @property
    def name(self) -> str:
        return f"rate {self.rate:g}/s" if self.rate else "full speed"


class Bench:
    """What every socket's reader shares: the phases, and where stray frames are counted."""

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.phases: list[Phase] = []
        self.tally = Tally()  # the running phase's, or the one of connecting and idling


class Subscriber:
    """One WebSocket subscribed to the room; its reader runs from the first frame on."""

    def __init__(self, bench: Bench, ws: aiohttp.ClientWebSocketResponse[Literal[False]]) -> None:
        self.bench = bench
        self.ws = ws
        self.subscribed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.last_seq: int | None = None
        self.pending: dict[str, tuple[Phase, int]] = {}  # client_id -> (phase, sent ns)
        self.inflight = 0
        self.acked = asyncio.Event()
        self.closing = False  # closed by us, so not counted as closed by the hub
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        bench = self.bench
        try:
            async for msg in self.ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    break  # an error; a close ends the iteration by itself
                received = now_ns()
                frame = orjson.loads(msg.data)
                kind = frame.get("type")
                if kind == "event" and frame.get("stream") == bench.stream:
                    self._event(frame, received)
                elif kind == "ack" or (kind == "error" and frame.get("client_id")):
                    self._answer(frame, received)
                elif kind == "subscribed" and frame.get("stream") == bench.stream:
                    self.last_seq = frame.get("seq")
                    if not self.subscribed.done():
                        self.subscribed.set_result(None)
                else:
                    bench.tally.frames[str(kind)] += 1
                    if kind == "error":
                        bench.tally.error_codes[str(frame.get("code"))] += 1
                        if not self.subscribed.done():
                            self.subscribed.set_exception(BenchError(f"subscribe: {frame}"))
        except Exception as exc:  # an unreadable frame: count it, stop reading this socket
            bench.tally.frames[f"unreadable ({type(exc).__name__})"] += 1
        if self.closing:
            self.subscribed.cancel()  # if still pending: nobody waits for it any more
        else:
            bench.tally.closed[str(self.ws.close_code)] += 1
            if not self.subscribed.done():
                self.subscribed.set_exception(BenchError(f"closed ({self.ws.close_code})"))
        self.acked.set()

    def _event(self, frame: dict[str, Any], received: int) -> None:
        bench = self.bench
        seq = frame.get("seq")
        if isinstance(seq, int):
            if self.last_seq is not None and seq != self.last_seq + 1:
                bench.tally.seq_gaps += 1
            self.last_seq = seq
        data = frame.get("data") or {}
        body = data.get("body") if frame.get("event") == "message.created" else None
        if not isinstance(body, str) or not body.startswith("bench "):
            bench.tally.frames[f"event {frame.get('event')}"] += 1
            return
        _, index, _, sent, _ = body.split(" ", 4)
        phase = bench.phases[int(index)]
        phase.last_recv = received
        if phase.win_start <= received < phase.win_end:
            phase.recv_in_window += 1
        if phase.win_start <= int(sent) < phase.win_end:
            phase.delivered += 1
            phase.latency.append(received - int(sent))

    def _answer(self, frame: dict[str, Any], received: int) -> None:
        """An ack, or an error frame answering one of our sends."""
        entry = self.pending.pop(str(frame.get("client_id")), None)
        tally = entry[0].tally if entry else self.bench.tally
        if frame["type"] == "error":
            tally.frames["error"] += 1
            tally.error_codes[str(frame.get("code"))] += 1
        elif entry is not None:
            entry[0].acks += 1
            entry[0].ack_latency.append(received - entry[1])
        else:
            tally.frames["ack (unknown client_id)"] += 1
        if entry is not None and self.inflight:
            self.inflight -= 1
        self.acked.set()


async def open_subscriber(
    http: aiohttp.ClientSession, bench: Bench, ws_url: str, token: str
) -> Subscriber:
    ws = await http.ws_connect(
        ws_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=aiohttp.ClientWSTimeout(ws_close=2.0),
        max_msg_size=2**22,
        decode_text=False,
    )
    sub = Subscriber(bench, ws)
    try:
        await ws.send_str(orjson.dumps({"type": "subscribe", "stream": bench.stream}).decode())
        async with asyncio.timeout(15):
            await sub.subscribed
    except BaseException:
        await close_all([sub])
        raise
    return sub


async def open_all(
    http: aiohttp.ClientSession, bench: Bench, ws_url: str, tokens: list[str], concurrency: int
) -> tuple[list[Subscriber], Counter[str]]:
    """Every socket that subscribed, and the reasons of those that did not."""
    limit = asyncio.Semaphore(concurrency)

    async def one(token: str) -> Subscriber | Exception:
        async with limit:
            try:
                return await open_subscriber(http, bench, ws_url, token)
            except Exception as exc:  # counted and reported; the run goes on with the rest
                return exc

    results = await asyncio.gather(*(one(t) for t in tokens))
    errors = Counter(f"{type(r).__name__}: {r}"[:160] for r in results if isinstance(r, Exception))
    return [r for r in results if isinstance(r, Subscriber)], errors


async def close_all(subs: list[Subscriber]) -> None:
    for s in subs:
        s.closing = True
    closing = [asyncio.create_task(s.ws.close()) for s in subs]
    if closing:
        await asyncio.wait(closing, timeout=10)
    for task in closing:
        task.cancel()
    for s in subs:
        s.reader.cancel()
    await asyncio.gather(*(s.reader for s in subs), *closing, return_exceptions=True)


async def send_loop(
    k: int, sub: Subscriber, phase: Phase, plan: Plan, room: int, start: int
) -> None:
    """Open loop at rate/senders msg/s, or (rate 0) keep plan.window sends awaiting acks."""
    pad, end = "x" * plan.payload, phase.win_end
    period = plan.senders * 1e9 / phase.rate if phase.rate else 0.0
    scheduled = start + k * 1e9 / phase.rate if phase.rate else float(start)
    j = 0
    while True:
        if phase.rate:
            if scheduled >= end:
                return
            if (delay := scheduled - now_ns()) > 0:
                await asyncio.sleep(delay / 1e9)
            phase.send_lag_max = max(phase.send_lag_max, int(now_ns() - scheduled))
            scheduled += period
        else:
            left = (end - now_ns()) / 1e9
            if left <= 0:
                return
            if sub.inflight >= plan.window:
                sub.acked.clear()
                try:
                    await asyncio.wait_for(sub.acked.wait(), min(ACK_TIMEOUT_S, left))
                except TimeoutError:
                    sub.inflight = 0  # acks lost or very late: refill the window
                    if left > ACK_TIMEOUT_S:
                        phase.stalls += 1
                continue
        if sub.ws.closed:
            return
        i = j * plan.senders + k
        j += 1
        client_id = f"{phase.index}.{i}"
        sent = now_ns()
        sub.pending[client_id] = (phase, sent)
        sub.inflight += 1
        body = f"bench {phase.index} {i} {sent} {pad}"
        frame = {"type": "message.send", "room": room, "body": body, "client_id": client_id}
        try:
            await sub.ws.send_str(orjson.dumps(frame).decode())
        except (ConnectionError, aiohttp.ClientError):
            return
        phase.sent_total += 1
        if phase.win_start <= sent < phase.win_end:
            phase.sent += 1


async def run_phase(
    bench: Bench,
    subs: list[Subscriber],
    phase: Phase,
    plan: Plan,
    room: int,
    hub: ProcessProbe | None,
) -> dict[str, Any]:
    """Warmup, the measured window, then a bounded drain; the phase's figures."""
    open_subs = [s for s in subs if not s.ws.closed]
    if len(open_subs) < plan.senders:
        raise BenchError(f"{phase.name}: only {len(open_subs)} sockets still open")
    bench.phases.append(phase)
    bench.tally = phase.tally
    phase.sockets = len(open_subs)
    for s in open_subs:
        s.inflight = 0
    start = now_ns() + 50_000_000
    phase.win_start = start + int(plan.warmup * 1e9)
    phase.win_end = phase.win_start + int(plan.duration * 1e9)

    async def cpu_over_window() -> tuple[float | None, float]:
        await asyncio.sleep(max(0, phase.win_start - now_ns()) / 1e9)
        hub0, me0 = hub.cpu_s() if hub else None, time.process_time()
        await asyncio.sleep(max(0, phase.win_end - now_ns()) / 1e9)
        hub1, me1 = hub.cpu_s() if hub else None, time.process_time()
        hub_pct = None if hub0 is None or hub1 is None else (hub1 - hub0) / plan.duration * 100
        return hub_pct, (me1 - me0) / plan.duration * 100

    cpu = asyncio.create_task(cpu_over_window())
    senders = [
        asyncio.create_task(send_loop(k, open_subs[k], phase, plan, room, start))
        for k in range(plan.senders)
    ]
    _, stuck = await asyncio.wait(senders, timeout=(phase.win_end - now_ns()) / 1e9 + 5)
    for task in stuck:
        task.cancel()
    hub_cpu, client_cpu = await cpu

    expected = phase.sent * phase.sockets
    drain_start = now_ns()
    phase.last_recv = max(phase.last_recv, drain_start)
    drain_end, idle = drain_start + int(plan.drain * 1e9), int(plan.drain_idle * 1e9)

    def draining() -> bool:
        t = now_ns()
        return phase.delivered < expected and t < drain_end and t - phase.last_recv < idle

    while draining():  # noqa: ASYNC110 (polls two clocks and a counter)
        await asyncio.sleep(0.05)
    return {
        "phase": phase.name,
        "rate": phase.rate,
        "sockets": phase.sockets,
        "sent": phase.sent,
        "sent_per_s": round(phase.sent / plan.duration, 1),
        "sent_total": phase.sent_total,
        "acks": phase.acks,
        "ack_latency_ms": percentiles(phase.ack_latency),
        "expected": expected,
        "delivered": phase.delivered,
        "delivery_ratio": round(phase.delivered / expected, 5) if expected else None,
        "deliveries_per_s": round(phase.recv_in_window / plan.duration, 1),
        "latency_ms": percentiles(phase.latency),
        "drain_s": round((now_ns() - drain_start) / 1e9, 2),
        "send_lag_max_ms": round(phase.send_lag_max / 1e6, 1),
        "ack_stalls": phase.stalls,
        "senders_stuck": len(stuck),
        **phase.tally.as_json(),
        "hub_cpu_pct": None if hub_cpu is None else round(hub_cpu, 1),
        "client_cpu_pct": round(client_cpu, 1),
    }


def percentiles(values: array[int]) -> dict[str, float] | None:
    """Nearest-rank p50/p90/p99 and max, in ms."""
    if not values:
        return None
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6, 2)

    return {"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": round(ordered[-1] / 1e6, 2)}
