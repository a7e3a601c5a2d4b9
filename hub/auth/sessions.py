"""Login sessions: an opaque random token (bearer or cookie), stored only as its SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Actor
from hub.db.models import AuthSession, User
from hub.db.types import utcnow

NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Viewer(Actor):
    """The authenticated user of one request or socket: an actor with the login session it
    acts through (services see only the actor), and when that session expires (an open
    socket is closed then)."""

    session_id: int
    session_expires_at: datetime = NEVER


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(session: AsyncSession, user: User, ttl: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AuthSession(
            user_id=user.id, token_hash=token_hash(token), created_at=now, expires_at=now + ttl
        )
    )
    user.last_login_at = now
    return token


async def viewer_for_token(session: AsyncSession, token: str) -> Viewer | None:
    row = (
        await session.execute(
            select(AuthSession, User)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.token_hash == token_hash(token))
        )
    ).first()
    if row is None:
        return None
    auth_session, user = row
    if auth_session.expires_at <= utcnow() or not user.is_active:
        return None
    return Viewer(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        is_admin=user.is_admin,
        session_id=auth_session.id,
        session_expires_at=auth_session.expires_at,
    )


async def open_session_ids(session: AsyncSession, session_ids: Collection[int]) -> set[int]:
    """Those of `session_ids` that are still open: not closed, not expired, of an active user."""
    found = await session.scalars(
        select(AuthSession.id)
        .join(User, User.id == AuthSession.user_id)
        .where(
            AuthSession.id.in_(session_ids),
            AuthSession.expires_at > utcnow(),
            User.is_active,
        )
    )
    return set(found)


async def close_session(session: AsyncSession, session_id: int) -> None:
    await session.execute(delete(AuthSession).where(AuthSession.id == session_id))


def csrf_token(secret_key: bytes, token: str) -> str:
    """The CSRF token that goes with a session cookie: derived, so nothing more is stored."""
    return hmac.new(secret_key, b"csrf:" + token.encode(), hashlib.sha256).hexdigest()
