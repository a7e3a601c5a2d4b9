"""Login sessions: an opaque random token (bearer or cookie), stored only as its SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import Actor
from hub.db.models import AuthSession, User
from hub.db.types import utcnow


@dataclass(frozen=True, slots=True)
class Viewer(Actor):
    """The authenticated user of one request or socket: an actor with the login session it
    acts through (services see only the actor)."""

    session_id: int


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
    )


async def close_session(session: AsyncSession, session_id: int) -> None:
    await session.execute(delete(AuthSession).where(AuthSession.id == session_id))


def csrf_token(secret_key: bytes, token: str) -> str:
    """The CSRF token that goes with a session cookie: derived, so nothing more is stored."""
    return hmac.new(secret_key, b"csrf:" + token.encode(), hashlib.sha256).hexdigest()
