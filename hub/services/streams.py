"""The durable event log: each event gets the next seq of its stream, in the caller's
transaction, so seqs are gap-free and an event exists exactly when its change committed."""

from __future__ import annotations

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Stream, StreamEvent
from hub.events import HubEvent


def _next_seq_statement(dialect: str, stream: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Stream).values(name=stream, last_seq=1)
    return statement.on_conflict_do_update(
        index_elements=[Stream.name], set_={"last_seq": Stream.last_seq + 1}
    ).returning(Stream.last_seq)


async def append_event(session: AsyncSession, event: HubEvent) -> int:
    """Record `event` on its stream and return its seq (row-locks the stream until commit)."""
    dialect = session.get_bind().dialect.name
    seq = int((await session.execute(_next_seq_statement(dialect, event.stream))).scalar_one())
    session.add(StreamEvent(stream=event.stream, seq=seq, kind=event.kind, payload=event.data))
    return seq
