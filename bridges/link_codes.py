"""One-time link codes: a hub user asks for one (`POST /api/v1/me/link-code`, the settings
page) and gives it to a platform bot (`/taskflow link CODE` in Slack, `!link CODE` on
Discord), which links the platform user that sent it to that hub account.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), about 40 bits,
and expires after HUB_LINK_CODE_TTL_S. Only its SHA-256 is stored: the database never holds
a usable code. Asking for a new code withdraws the user's earlier ones; a code works once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from bridges.identities import link_identity
from hub.db.engine import Database
from hub.db.models import LinkCode, User
from hub.db.types import utcnow
from hub.errors import Conflict

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Redeemed:
    """What `redeem` did: `username` linked, or `refusal` saying why not."""

    username: str | None = None
    refusal: str | None = None


UNKNOWN = "unknown"  # no such code, used, or expired
TAKEN = "taken"  # the platform user is linked to another hub account


def normalise(code: str) -> str:
    """What a user typed, as stored: case, spaces and dashes do not matter."""
    return "".join(code.split()).replace("-", "").upper()


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


async def issue_code(database: Database, user_id: int, ttl_s: float) -> IssuedCode:
    """A new code for `user_id`; their earlier codes and every expired one are withdrawn."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    now = utcnow()
    expires_at = now + timedelta(seconds=ttl_s)
    async with database.write() as session:
        await session.execute(
            delete(LinkCode).where((LinkCode.user_id == user_id) | (LinkCode.expires_at <= now))
        )
        session.add(LinkCode(code_hash=code_hash(code), user_id=user_id, expires_at=expires_at))
    return IssuedCode(code, expires_at)


async def redeem(database: Database, code: str, platform: str, external_id: str) -> Redeemed:
    """Link `external_id` on `platform` to the account that asked for `code`, and use the
    code up (it is deleted in the same transaction)."""
    if len(normalise(code)) != CODE_LENGTH:
        return Redeemed(refusal=UNKNOWN)
    async with database.write() as session:
        row = (
            await session.execute(
                select(LinkCode, User)
                .join(User, User.id == LinkCode.user_id)
                .where(LinkCode.code_hash == code_hash(code), User.is_active.is_(True))
            )
        ).first()
        if row is None:
            return Redeemed(refusal=UNKNOWN)
        link_code, user = row
        if link_code.expires_at <= utcnow():
            await session.delete(link_code)
            return Redeemed(refusal=UNKNOWN)
        try:
            async with session.begin_nested():
                await link_identity(session, user.id, platform, external_id)
        except Conflict:
            return Redeemed(refusal=TAKEN)
        await session.delete(link_code)
        return Redeemed(username=user.username)
