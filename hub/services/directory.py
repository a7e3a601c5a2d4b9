"""The people of the hub, for those who invite them to a board: its owners and admins. Nobody
else needs the whole list (a room member adds from the board's members), so nobody else
learns who else uses the hub."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Actor
from hub.db.models import BoardMember, User
from hub.errors import Forbidden
from hub.services.boards import name_starts_with
from hub.services.pagination import PageRequest, fetch_page


async def find_people(
    session: AsyncSession, actor: Actor, prefix: str, page: PageRequest
) -> tuple[list[dict[str, Any]], int | None]:
    """Active users whose username or display name starts with `prefix` (all when empty)."""
    if not actor.is_admin and not await owns_a_board(session, actor.id):
        raise Forbidden("only board owners and admins look people up to invite them")
    statement = select(User).where(User.is_active.is_(True))
    if prefix:
        statement = statement.where(name_starts_with(prefix))
    rows, next_cursor = await fetch_page(session, statement, User.id, page)
    return [{"username": u.username, "display_name": u.display_name} for (u,) in rows], next_cursor


async def owns_a_board(session: AsyncSession, user_id: int) -> bool:
    found = await session.scalar(
        select(BoardMember.id)
        .where(BoardMember.user_id == user_id, BoardMember.role == "owner")
        .limit(1)
    )
    return found is not None
