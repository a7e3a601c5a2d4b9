"""A chat platform kept in memory, with its bridge: what the shared bridge machinery (outbox,
supervisor, links, message map, inbound sink) is tested against, independently of Slack or
Discord. It behaves like a platform where it matters: messages get ids in order, a call can
fail, be rate-limited per channel, be applied with its answer lost, or never succeed."""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, ClassVar

from bridges.message_map import MessageMap
from bridges.protocol import (
    BadCredentials,
    Capabilities,
    Delivery,
    InboundSink,
    RateLimited,
    RetryLater,
    Sent,
    Undeliverable,
)
from bridges.tools import BridgeTools


@dataclass
class PlatformMessage:
    id: str
    channel: str
    text: str
    author: str
    hub_id: int | None  # the hub post it copies (what reconciliation looks for)
    thread_id: str | None = None
    deleted: bool = False


@dataclass
class Call:
    delivery: Delivery
    at: float
    outcome: str = "sent"


@dataclass
class MemoryPlatform:
    """The platform's state and the faults to inject; `bridge()` is its adapter."""

    channels: dict[str, list[PlatformMessage]] = field(default_factory=lambda: defaultdict(list))
    calls: list[Call] = field(default_factory=list)
    down: bool = False
    bad_token: bool = False
    gone: set[str] = field(default_factory=set)  # channels archived or deleted
    lose_answers: int = 0  # the next calls applied whose answer is lost
    rate_per_s: float | None = None  # per channel
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _next_allowed: dict[str, float] = field(default_factory=dict)
    _retry_until: dict[str, float] = field(default_factory=dict)
    rate_violations: list[str] = field(default_factory=list)
    made: MemoryBridge | None = None

    def texts(self, channel: str) -> list[str]:
        return [m.text for m in self.channels[channel] if not m.deleted]

    def apply(self, delivery: Delivery, copy_id: str | None) -> Sent:
        channel = delivery.destination
        payload = delivery.payload
        if delivery.action in ("post", "dm"):
            message = PlatformMessage(
                f"m{next(self._ids)}", channel, _text(payload),
                str(payload.get("author_name", "")), _hub_id(payload),
            )  # fmt: skip
            self.channels[channel].append(message)
            return Sent(message.id)
        for message in self.channels[channel]:
            if message.id == copy_id:
                if delivery.action == "update":
                    message.text = _text(payload)
                else:
                    message.deleted = True
        return Sent(copy_id)

    def find_copy(self, channel: str, hub_id: int) -> PlatformMessage | None:
        return next((m for m in self.channels[channel] if m.hub_id == hub_id), None)

    def bridge(self, tools: BridgeTools) -> MemoryBridge:
        """The platform's bridge (a `BridgeFactory`); the last one made is `made`."""
        self.made = MemoryBridge(self, tools.message_map)
        return self.made


def _text(payload: dict[str, Any]) -> str:
    return str(payload.get("body") or payload.get("notification", {}).get("snippet", ""))


def _hub_id(payload: dict[str, Any]) -> int | None:
    return int(payload["id"]) if "id" in payload else None


class MemoryBridge:
    """The platform's adapter (the `Bridge` protocol): an update or delete finds the
    platform's copy through the message map, as a real bridge does."""

    platform: ClassVar[str] = "slack"
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(self, world: MemoryPlatform, message_map: MessageMap) -> None:
        self.world = world
        self.sink: InboundSink | None = None
        self.starts = 0
        self.fail_starts = 0
        self._closed = asyncio.Event()
        self._message_map = message_map

    async def start(self, sink: InboundSink) -> None:
        self.starts += 1
        if self.world.bad_token:
            raise BadCredentials("invalid_auth")
        if self.fail_starts:
            self.fail_starts -= 1
            raise ConnectionError("platform unreachable")
        self.sink = sink
        self._closed.clear()

    async def wait_closed(self) -> None:
        await self._closed.wait()

    def drop(self) -> None:
        self._closed.set()

    async def stop(self) -> None:
        self._closed.set()

    async def send(self, delivery: Delivery) -> Sent:
        world = self.world
        call = Call(delivery, time.monotonic())
        world.calls.append(call)
        channel = delivery.destination
        if world.down:
            call.outcome = "down"
            raise RetryLater("503 service unavailable")
        if channel in world.gone:
            call.outcome = "gone"
            raise Undeliverable("channel_not_found")
        if world.rate_per_s is not None:
            if call.at < world._retry_until.get(channel, 0.0) - 0.01:
                world.rate_violations.append(channel)  # sent before its Retry-After passed
            allowed = world._next_allowed.get(channel, 0.0)
            if call.at < allowed:
                retry_after_s = float(math.ceil(allowed - call.at))
                world._retry_until[channel] = call.at + retry_after_s
                call.outcome = "429"
                raise RateLimited("ratelimited", retry_after_s)
            world._next_allowed[channel] = call.at + 1 / world.rate_per_s
        if delivery.attempts and delivery.action == "post":  # an earlier call may have landed
            found = world.find_copy(channel, delivery.payload["id"])
            if found is not None:
                call.outcome = "reconciled"
                return Sent(found.id, found.thread_id)
        copy_id = None
        if delivery.action in ("update", "delete"):
            copy = await self._message_map.copy_of(
                self.platform, channel, delivery.payload["kind"], delivery.payload["id"]
            )
            if copy is None:
                return Sent()
            copy_id = copy.external_id
        sent = world.apply(delivery, copy_id)
        if world.lose_answers:
            world.lose_answers -= 1
            call.outcome = "answer lost"
            raise RetryLater("connection reset", uncertain=True)
        return sent
