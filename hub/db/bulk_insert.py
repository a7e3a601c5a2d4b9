"""INSERTs of many rows that skip SQLAlchemy's per-row parameter handling.

An executemany through a Core `insert()` costs about as much again in SQLAlchemy, per row, as
SQLite takes to store the row. `BulkInsert` compiles the statement once per dialect, converts
only the values whose column type needs it (timestamps, JSON) and hands the rows to the
driver's executemany as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Dialect, Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

_Converters = list[tuple[int, Callable[[Any], Any]]]


class BulkInsert:
    """INSERT INTO `table` (`columns`) for rows given as tuples in that order. JSON columns
    named in `encoded_json` take their values already encoded, as text."""

    def __init__(
        self, table: Table, columns: Sequence[str], *, encoded_json: Sequence[str] = ()
    ) -> None:
        self.table = table
        self.columns = list(columns)
        self._encoded_json = set(encoded_json)
        self._compiled: WeakKeyDictionary[Dialect, tuple[str, _Converters]] = WeakKeyDictionary()

    async def execute(self, session: AsyncSession, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        connection = await session.connection()
        sql, converters = self._for(connection.dialect)
        if converters:
            rows = _converted(rows, converters)
        await connection.exec_driver_sql(sql, list(rows))

    def _for(self, dialect: Dialect) -> tuple[str, _Converters]:
        found = self._compiled.get(dialect)
        if found is None:
            compiled = insert(self.table).compile(dialect=dialect, column_keys=self.columns)
            order = compiled.positiontup or []
            if order != self.columns:
                raise ValueError(f"{self.table.name}: columns compiled as {order}")
            converters: _Converters = []
            for index, name in enumerate(self.columns):
                if name in self._encoded_json:
                    continue
                column_type = self.table.c[name].type.dialect_impl(dialect)
                if processor := column_type.bind_processor(dialect):
                    converters.append((index, processor))
            found = self._compiled[dialect] = (compiled.string, converters)
        return found


def _converted(rows: Sequence[tuple[Any, ...]], converters: _Converters) -> list[tuple[Any, ...]]:
    """The rows with their values converted for the driver. A value that is the very object of
    the row before (a batch's one timestamp, a NULL) is converted once."""
    columns = [list(column) for column in zip(*rows, strict=True)]
    for index, convert in converters:
        column, previous, converted = columns[index], _UNSET, None
        for position, value in enumerate(column):
            if value is not previous:
                previous, converted = value, convert(value)
            column[position] = converted
    return list(zip(*columns, strict=True))


_UNSET = object()
