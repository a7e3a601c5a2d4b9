"""Cursor pagination by id: `after` pages forward, `before` pages backward (newest last)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select
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
    backwards = page.before is not None and page.after is None
    order = id_column.desc() if backwards else id_column.asc()
    rows = list((await session.execute(statement.order_by(order).limit(page.limit + 1))).all())
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
