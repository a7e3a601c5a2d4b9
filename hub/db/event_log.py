"""The durable event log: each event gets the next seq of its stream, in the caller's
transaction, so seqs are gap-free and an event exists exactly when its change committed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Insert, Text, bindparam, cast, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.bulk_insert import BulkInsert
from hub.db.models import Base, Stream, StreamEvent
from hub.db.types import utcnow

_STREAMS = Base.metadata.tables[Stream.__tablename__]
_EVENTS = Base.metadata.tables[StreamEvent.__tablename__]


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored: what a subscriber receives, live or replayed. Its data is JSON,
    encoded once (`json_bytes`) for the log's row and every frame that carries it."""

    stream: str
    seq: int
    kind: str
    payload: bytes

    @property
    def data(self) -> dict[str, Any]:
        decoded: dict[str, Any] = orjson.loads(self.payload)
        return decoded


def _take_first_statement(dialect: str) -> Insert:
    """Take the next seq of a stream (creating its row at 1); the row stays locked until the
    commit, so no other transaction takes seqs on that stream meanwhile."""
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dialect_insert(_STREAMS).values(name=bindparam("name"), last_seq=1)
    return statement.on_conflict_do_update(
        index_elements=[_STREAMS.c.name], set_={"last_seq": _STREAMS.c.last_seq + 1}
    ).returning(_STREAMS.c.last_seq)


_TAKE_FIRST = {dialect: _take_first_statement(dialect) for dialect in ("postgresql", "sqlite")}
_MOVE_LAST = (
    update(_STREAMS)
    .where(_STREAMS.c.name == bindparam("stream"))
    .values(last_seq=bindparam("last"))
)
_APPEND = BulkInsert(
    _EVENTS, ["stream", "seq", "kind", "payload", "created_at"], encoded_json=["payload"]
)


@dataclass(frozen=True, slots=True)
class LogMark:
    """A point in an `EventLog` to roll back to (where a savepoint was taken)."""

    events: int
    takes: int


class EventLog:
    """The events one transaction appends, written in one statement just before its commit.

    The first seq the transaction takes on a stream updates (and so locks) the stream's row;
    later ones are counted here and the row is moved once, in `write`. A job rolled back to its
    savepoint is rolled back here too with `rollback_to`, so the next job reuses its seqs.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._take_first = _TAKE_FIRST[session.get_bind().dialect.name]
        self._stored: dict[str, int] = {}  # each touched stream's last_seq as its row holds it
        self._taken: dict[str, int] = {}  # the last seq handed out on each touched stream
        self._takes: list[str] = []  # streams in the order seqs were taken, for `rollback_to`
        self.events: list[RecordedEvent] = []

    async def next_seq(self, stream: str) -> int:
        last = self._taken.get(stream)
        if last is None:
            result = await self._session.execute(self._take_first, {"name": stream})
            last = self._stored[stream] = int(result.scalar_one())
        else:
            last += 1
        self._taken[stream] = last
        self._takes.append(stream)
        return last

    def append(self, event: RecordedEvent) -> None:
        self.events.append(event)

    def mark(self) -> LogMark:
        return LogMark(len(self.events), len(self._takes))

    def rollback_to(self, mark: LogMark) -> None:
        del self.events[mark.events :]
        while len(self._takes) > mark.takes:
            stream = self._takes.pop()
            if self._taken[stream] == self._stored[stream]:  # its first take: the row update
                del self._taken[stream], self._stored[stream]  # was rolled back with it
            else:
                self._taken[stream] -= 1

    async def write(self) -> None:
        """Insert the events and move each stream's last seq: the end of the transaction."""
        now = utcnow()
        await _APPEND.execute(
            self._session,
            [(e.stream, e.seq, e.kind, e.payload.decode(), now) for e in self.events],
        )
        moved = [
            {"stream": stream, "last": last}
            for stream, last in self._taken.items()
            if last > self._stored[stream]
        ]
        if moved:
            await self._session.execute(_MOVE_LAST, moved)


async def last_seq(session: AsyncSession, stream: str) -> int:
    value = await session.scalar(select(Stream.last_seq).where(Stream.name == stream))
    return int(value or 0)


async def events_after(
    session: AsyncSession, stream: str, after: int, *, until: int | None = None, limit: int
) -> list[RecordedEvent]:
    """Events of `stream` with after < seq (<= until), oldest first, at most `limit`."""
    statement = select(  # the payload as stored, not decoded: frames carry it as it is
        StreamEvent.seq, StreamEvent.kind, cast(StreamEvent.payload, Text)
    ).where(StreamEvent.stream == stream, StreamEvent.seq > after)
    if until is not None:
        statement = statement.where(StreamEvent.seq <= until)
    rows = await session.execute(statement.order_by(StreamEvent.seq).limit(limit))
    return [RecordedEvent(stream, seq, kind, payload.encode()) for seq, kind, payload in rows]
