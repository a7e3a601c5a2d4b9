"""The durable event log: each event gets the next seq of its stream, in the caller's
transaction, so seqs are gap-free and an event exists exactly when its change committed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Stream, StreamEvent
from hub.events import HubEvent


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored: what a subscriber receives, live or replayed."""

    stream: str
    seq: int
    kind: str
    data: dict[str, Any]


def _next_seq_statement(dialect: str, stream: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Stream).values(name=stream, last_seq=1)
    return statement.on_conflict_do_update(
        index_elements=[Stream.name], set_={"last_seq": Stream.last_seq + 1}
    ).returning(Stream.last_seq)


async def next_seq(session: AsyncSession, stream: str) -> int:
    """Take the next seq of `stream`; the stream's row stays locked until the commit."""
    dialect = session.get_bind().dialect.name
    return int((await session.execute(_next_seq_statement(dialect, stream))).scalar_one())


async def append_event(
    session: AsyncSession, event: HubEvent, *, seq: int | None = None
) -> RecordedEvent:
    """Record `event` on its stream, with a seq taken by `next_seq` or a new one."""
    if seq is None:
        seq = await next_seq(session, event.stream)
    session.add(StreamEvent(stream=event.stream, seq=seq, kind=event.kind, payload=event.data))
    return RecordedEvent(stream=event.stream, seq=seq, kind=event.kind, data=event.data)


async def last_seq(session: AsyncSession, stream: str) -> int:
    value = await session.scalar(select(Stream.last_seq).where(Stream.name == stream))
    return int(value or 0)


async def events_after(
    session: AsyncSession, stream: str, after: int, *, until: int | None = None, limit: int
) -> list[RecordedEvent]:
    """Events of `stream` with after < seq (<= until), oldest first, at most `limit`."""
    statement = select(StreamEvent.seq, StreamEvent.kind, StreamEvent.payload).where(
        StreamEvent.stream == stream, StreamEvent.seq > after
    )
    if until is not None:
        statement = statement.where(StreamEvent.seq <= until)
    rows = await session.execute(statement.order_by(StreamEvent.seq).limit(limit))
    return [RecordedEvent(stream, seq, kind, payload) for seq, kind, payload in rows]
