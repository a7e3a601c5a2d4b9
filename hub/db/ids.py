"""Ids for rows inserted many at a time, known before the INSERT (no RETURNING per row)."""

from __future__ import annotations

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")


async def reserve_ids(session: AsyncSession, table: Table, count: int) -> list[int]:
    """`count` unused ids for `table`'s integer primary key `id`, in the session's write
    transaction. PostgreSQL takes them from the column's sequence. SQLite continues after the
    highest id, which is what it would hand out itself: only one transaction writes at a
    time (BEGIN IMMEDIATE), so nobody else can take them before the commit."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = await session.scalars(_NEXT_IDS, {"table": table.name, "n": count})
        return [int(row) for row in rows]
    highest = await session.scalar(select(func.max(table.c.id)))
    first = int(highest or 0) + 1
    return list(range(first, first + count))
