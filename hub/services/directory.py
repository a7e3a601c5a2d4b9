"""The people of the hub as anyone logged in may look them up: whom to invite to a board."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import User
from hub.services.boards import name_starts_with
from hub.services.pagination import PageRequest, fetch_page


async def find_people(
    session: AsyncSession, prefix: str, page: PageRequest
) -> tuple[list[dict[str, Any]], int | None]:
    """Active users whose username or display name starts with `prefix` (all when empty)."""
    statement = select(User).where(User.is_active.is_(True))
    if prefix:
        statement = statement.where(name_starts_with(prefix))
    rows, next_cursor = await fetch_page(session, statement, User.id, page)
    return [{"username": u.username, "display_name": u.display_name} for (u,) in rows], next_cursor
