"""A broker shared by several hub apps of one test, as Redis pub/sub is shared by several hub
processes: a message reaches every app subscribed to its stream, soon after (never inside
`publish`) and at most once; `drop` makes it lose the messages it matches."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hub.broker import BrokerMessage, Deliver


class Bus:
    def __init__(self) -> None:
        self.brokers: list[BusBroker] = []
        self.drop: Callable[[BrokerMessage], bool] = lambda _message: False
        self.dropped: list[BrokerMessage] = []

    def broker(self) -> BusBroker:
        """One app's end of the bus (what that app's process would connect to Redis with)."""
        broker = BusBroker(self)
        self.brokers.append(broker)
        return broker

    def carry(self, message: BrokerMessage) -> None:
        if self.drop(message):
            self.dropped.append(message)
            return
        loop = asyncio.get_running_loop()
        for broker in self.brokers:
            if broker.deliver is not None and message.stream in broker.streams:
                loop.call_soon(broker.deliver, message)


class BusBroker:
    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self.deliver: Deliver | None = None
        self.streams: set[str] = set()

    def start(self, deliver: Deliver) -> None:
        self.deliver = deliver

    async def subscribe(self, stream: str) -> None:
        self.streams.add(stream)

    async def unsubscribe(self, stream: str) -> None:
        self.streams.discard(stream)

    async def publish(self, message: BrokerMessage) -> None:
        self._bus.carry(message)

    async def close(self) -> None:
        self.deliver = None
        self.streams.clear()
