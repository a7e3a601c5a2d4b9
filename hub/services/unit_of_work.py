"""One write transaction plus the events it recorded, published only after the commit.

Every change that clients see live goes through here, whether it came over HTTP, the
WebSocket or (later) a bridge: commit first, then publish, so a published event is always in
the log that `since` replays from.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.engine import Database
from hub.events import HubEvent
from hub.realtime.broker import Broker, BrokerMessage
from hub.realtime.frames import event_frame
from hub.services.streams import RecordedEvent, append_event, next_seq


class UnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.recorded: list[RecordedEvent] = []

    async def next_seq(self, stream: str) -> int:
        """Reserve the seq of an event about to be built (a message carries its own seq)."""
        return await next_seq(self.session, stream)

    async def record(self, event: HubEvent, *, seq: int | None = None) -> RecordedEvent:
        recorded = await append_event(self.session, event, seq=seq)
        self.recorded.append(recorded)
        return recorded


class Writer:
    """Opens units of work on the database and publishes their events on the broker."""

    def __init__(self, database: Database, broker: Broker) -> None:
        self.database = database
        self.broker = broker

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[UnitOfWork]:
        async with self.database.write() as session:
            unit = UnitOfWork(session)
            yield unit
        for event in unit.recorded:
            await self.broker.publish(BrokerMessage(event.stream, event.seq, event_frame(event)))
