"""Users: creating them, finding them by name (any spelling), counting them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.auth.passwords import Passwords
from hub.db.models import User
from hub.errors import Conflict, Invalid


async def create_user(
    session: AsyncSession,
    passwords: Passwords,
    username: str,
    password: str,
    *,
    display_name: str = "",
    is_admin: bool = False,
) -> User:
    """A new user, for tools and tests: the hash is computed inside the caller's transaction.
    The account use-cases hash first and call `add_user`, so no write lock waits on argon2."""
    password_hash = await passwords.hash(password)
    return await add_user(
        session, username, password_hash, display_name=display_name, is_admin=is_admin
    )


async def add_user(
    session: AsyncSession,
    username: str,
    password_hash: str,
    *,
    display_name: str = "",
    is_admin: bool = False,
) -> User:
    """A new user with a hashed password; Conflict when the name is taken in any spelling."""
    if await user_by_name(session, username) is not None:
        raise Conflict(f"the username {username!r} is taken", field="username")
    user = User(
        username=username,
        username_key=username.lower(),
        display_name=display_name or username,
        password_hash=password_hash,
        is_admin=is_admin,
        preferences={},
    )
    session.add(user)
    await session.flush()
    return user


async def user_by_name(session: AsyncSession, username: str) -> User | None:
    user: User | None = await session.scalar(
        select(User).where(User.username_key == username.lower())
    )
    return user


async def users_by_names(
    session: AsyncSession, usernames: Iterable[str], *, field: str
) -> list[User]:
    """The users named, in the order given, without repeats; Invalid naming the first unknown."""
    keys = list(dict.fromkeys(name.lower() for name in usernames))
    if not keys:
        return []
    found = {
        user.username_key: user
        for user in await session.scalars(select(User).where(User.username_key.in_(keys)))
    }
    missing = [key for key in keys if key not in found]
    if missing:
        raise Invalid(f"{field}: no such user: {missing[0]}", field=field)
    return [found[key] for key in keys]


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)
