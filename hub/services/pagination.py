"""Cursor pagination by id: `after` pages forward, `before` pages backward (newest last)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import BindParameter, ColumnElement, Integer, Select, bindparam
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hub.errors import Invalid

RowT = TypeVar("RowT")


@dataclass(frozen=True)
class PageRequest:
    limit: int
    before: int | None = None
    after: int | None = None


NEWEST = 2**62
# The largest id a client may name (in paths, cursors): nothing is stored beyond it, and the
# database driver would overflow on it.
MAX_ID = 2**62


def page_request(
    limit: int | None,
    before: int | None,
    after: int | None,
    *,
    default: int,
    maximum: int,
    newest_first: bool = False,
) -> PageRequest:
    """Check a page's limit; with `newest_first`, no cursor means the newest page (history)."""
    if limit is not None and limit > maximum:
        raise Invalid(f"limit: must be at most {maximum}", field="limit")
    if newest_first and before is None and after is None:
        before = NEWEST
    return PageRequest(limit=limit or default, before=before, after=after)


async def fetch_page(
    session: AsyncSession,
    statement: Select[*tuple[Any, ...]],
    id_column: InstrumentedAttribute[int],
    page: PageRequest,
) -> tuple[Sequence[Any], int | None]:
    """Rows of one page in ascending id order, and the cursor for the next page (or None).

    With only `before`, the page is the `limit` rows just before it and the cursor points
    further back; otherwise it is the `limit` rows after `after` and the cursor points forward.
    """
    if page.after is not None:
        statement = statement.where(id_column > page.after)
    if page.before is not None:
        statement = statement.where(id_column < page.before)
    order = id_column.desc() if _backwards(page) else id_column.asc()
    rows = list((await session.execute(statement.order_by(order).limit(page.limit + 1))).all())
    return _page_of(rows, page)


class PageStatements:
    """The statements of one listing's pages, built once (building and caching a statement
    per request costs more than SQLite takes to run it). `statement` filters with bind
    parameters; `fetch` gives their values.

    With `scope`, a column that one listing fixes to one value (a post's room, given as
    `page_scope`), pages walk the (scope, id) index. PostgreSQL is told the scope as a range
    of one value: given `room_id = 2`, it may walk the primary key backwards instead, past
    every newer row of other rooms, when the room holds most rows (4 ms a page, not 1).
    SQLite, which seeks no further than a range, is told `=`."""

    def __init__(
        self,
        statement: Select[*tuple[Any, ...]],
        id_column: ColumnElement[int],
        *,
        scope: ColumnElement[Any] | None = None,
    ) -> None:
        self._by_dialect: dict[str, _PageShapes] = {}
        if scope is None:
            self._default = _PageShapes(statement, id_column, [])
            return
        value: BindParameter[Any] = bindparam("page_scope")
        self._default = _PageShapes(statement.where(scope == value), id_column, [scope])
        ranged = statement.where(scope >= value, scope <= value)
        self._by_dialect["postgresql"] = _PageShapes(ranged, id_column, [scope])

    def backward(self, dialect: str) -> Select[*tuple[Any, ...]]:
        """The statement of a page back from a cursor (the history page), on `dialect`."""
        return self._by_dialect.get(dialect, self._default).backward

    async def fetch(
        self, session: AsyncSession, params: dict[str, Any], page: PageRequest
    ) -> tuple[Sequence[Any], int | None]:
        """Like `fetch_page`, with `params` for the statement's own bind parameters."""
        shapes = self._by_dialect.get(session.get_bind().dialect.name, self._default)
        values = params | {"page_limit": page.limit + 1}
        if _backwards(page):
            statement, values["page_before"] = shapes.backward, page.before
        elif page.before is None:
            statement, values["page_after"] = shapes.forward, page.after or 0
        else:
            statement = shapes.between
            values |= {"page_after": page.after, "page_before": page.before}
        return _page_of(list((await session.execute(statement, values)).all()), page)


class _PageShapes:
    """A listing's page statements: backward from a cursor, forward, and between two."""

    def __init__(
        self,
        statement: Select[*tuple[Any, ...]],
        id_column: ColumnElement[int],
        prefix: list[ColumnElement[Any]],
    ) -> None:
        limit = bindparam("page_limit", type_=Integer)
        before, after = id_column < bindparam("page_before"), id_column > bindparam("page_after")
        descending = [column.desc() for column in (*prefix, id_column)]
        ascending = [column.asc() for column in (*prefix, id_column)]
        self.backward = statement.where(before).order_by(*descending).limit(limit)
        self.forward = statement.where(after).order_by(*ascending).limit(limit)
        self.between = statement.where(after, before).order_by(*ascending).limit(limit)


def _backwards(page: PageRequest) -> bool:
    return page.before is not None and page.after is None


def _page_of(rows: list[Any], page: PageRequest) -> tuple[Sequence[Any], int | None]:
    """The page's rows in ascending id order (one more was asked for, to know if more exist)
    and the cursor to the next page."""
    backwards = _backwards(page)
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    if backwards:
        rows.reverse()
    if not has_more or not rows:
        return rows, None
    edge = rows[0] if backwards else rows[-1]
    return rows, _row_id(edge)


def _row_id(row: Any) -> int:
    first = row[0]
    return int(first.id if hasattr(first, "id") else first)
