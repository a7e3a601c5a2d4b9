"""argon2id password hashes, computed off the event loop (each takes tens of milliseconds)."""

from __future__ import annotations

import asyncio
import secrets
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub.settings import Settings

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 256


class Passwords:
    """Hashes new passwords at one argon2id cost and checks passwords against stored hashes
    (a stored hash keeps the cost it was made with). The application holds one, built from
    the settings (HUB_PASSWORD_HASH_*); every use-case that hashes or checks is given it."""

    def __init__(self, *, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)

    @classmethod
    def from_settings(cls, settings: Settings) -> Passwords:
        return cls(
            time_cost=settings.password_hash_time_cost,
            memory_kib=settings.password_hash_memory_kib,
        )

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether `password` matches `password_hash`. With None (no such account, or one that
        may not log in) the answer is False after the same work, against a hash of a random
        password made once at this cost, so that how long a failed login takes does not tell
        whether the account exists."""

        def verify() -> bool:
            try:
                matches = self._hasher.verify(password_hash or self._nobody, password)
            except (VerificationError, InvalidHashError):
                return False
            return matches and password_hash is not None

        return await asyncio.to_thread(verify)

    @cached_property
    def _nobody(self) -> str:
        return self._hasher.hash(secrets.token_urlsafe(32))
