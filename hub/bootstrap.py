"""The first administrator of an empty hub, so that a fresh install can be logged into."""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError

from hub.auth.passwords import Passwords
from hub.db.engine import Database
from hub.errors import Conflict
from hub.services.users import count_users, create_user

FIRST_ADMIN_USERNAME = "admin"


async def ensure_first_admin(database: Database, passwords: Passwords) -> str | None:
    """Create `admin` with a random password when there are no users at all.

    Returns that password, to be shown once, or None when there are users already, which
    includes losing the race to another process starting at the same moment.
    """
    password = secrets.token_urlsafe(12)
    try:
        async with database.write() as session:
            if await count_users(session):
                return None
            await create_user(
                session,
                passwords,
                FIRST_ADMIN_USERNAME,
                password,
                display_name="Administrator",
                is_admin=True,
            )
    except (Conflict, IntegrityError):
        return None
    return password
