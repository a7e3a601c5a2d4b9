"""Identity mapping: which platform user is which hub user (ExternalIdentity), both ways, for
authors, mention translation and direct messages; and the admin's list of links."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bridges.links import ChannelId, Platform
from hub.actors import Actor
from hub.db.engine import Database
from hub.db.models import ExternalIdentity, User
from hub.errors import Conflict, NotFound
from hub.services.commands import Request, UsernameRef
from hub.services.pagination import PageRequest, fetch_page
from hub.services.users import users_by_names


class IdentityIn(Request):
    username: UsernameRef
    platform: Platform
    external_id: ChannelId


def identity_json(identity: ExternalIdentity, username: str) -> dict[str, Any]:
    return {
        "id": identity.id,
        "username": username,
        "platform": identity.platform,
        "external_id": identity.external_id,
    }


class IdentityMap:
    """Lookups a bridge makes per message; each is one indexed query."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def actor(self, platform: str, external_id: str) -> Actor | None:
        """The hub user a platform user is linked to (active accounts only)."""
        async with self.database.read() as session:
            user = await session.scalar(
                select(User)
                .join(ExternalIdentity, ExternalIdentity.user_id == User.id)
                .where(
                    ExternalIdentity.platform == platform,
                    ExternalIdentity.external_id == external_id,
                    User.is_active.is_(True),
                )
            )
        if user is None:
            return None
        return Actor(user.id, user.username, user.display_name, user.is_admin)

    async def external_ids(self, platform: str, usernames: Iterable[str]) -> dict[str, str]:
        """Lower-case hub username → platform user id, for those linked."""
        keys = {name.lower() for name in usernames}
        if not keys:
            return {}
        async with self.database.read() as session:
            rows = await session.execute(
                select(User.username_key, ExternalIdentity.external_id)
                .join(ExternalIdentity, ExternalIdentity.user_id == User.id)
                .where(ExternalIdentity.platform == platform, User.username_key.in_(keys))
            )
            return {str(key): str(value) for key, value in rows}

    async def usernames(self, platform: str, external_ids: Iterable[str]) -> dict[str, str]:
        """Platform user id → hub username, for those linked."""
        ids = set(external_ids)
        if not ids:
            return {}
        async with self.database.read() as session:
            rows = await session.execute(
                select(ExternalIdentity.external_id, User.username)
                .join(User, User.id == ExternalIdentity.user_id)
                .where(ExternalIdentity.platform == platform, ExternalIdentity.external_id.in_(ids))
            )
            return {str(key): str(value) for key, value in rows}


async def link_identity(
    session: AsyncSession, user_id: int, platform: str, external_id: str
) -> ExternalIdentity:
    """Link a platform user to a hub user; a platform user is linked to one hub user only."""
    taken = await session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.platform == platform, ExternalIdentity.external_id == external_id
        )
    )
    if taken is not None:
        if taken.user_id == user_id:
            return taken
        raise Conflict("that platform user is already linked to someone", field="external_id")
    identity = ExternalIdentity(user_id=user_id, platform=platform, external_id=external_id)
    session.add(identity)
    await session.flush()
    return identity


async def add_identity(session: AsyncSession, body: IdentityIn) -> dict[str, Any]:
    (user,) = await users_by_names(session, [body.username], field="username")
    identity = await link_identity(session, user.id, body.platform, body.external_id)
    return identity_json(identity, user.username)


async def list_identities(
    session: AsyncSession, page: PageRequest
) -> tuple[list[dict[str, Any]], int | None]:
    statement = select(ExternalIdentity, User.username).join(
        User, User.id == ExternalIdentity.user_id
    )
    rows, next_id = await fetch_page(session, statement, ExternalIdentity.id, page)
    return [identity_json(identity, username) for identity, username in rows], next_id


async def remove_identity(session: AsyncSession, identity_id: int) -> None:
    identity = await session.get(ExternalIdentity, identity_id)
    if identity is None:
        raise NotFound("no such identity")
    await session.delete(identity)
