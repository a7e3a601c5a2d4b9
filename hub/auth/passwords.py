"""argon2id password hashes, computed off the event loop (each takes tens of milliseconds)."""

from __future__ import annotations

import asyncio

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

    async def verify(self, password_hash: str, password: str) -> bool:
        def verify() -> bool:
            try:
                return self._hasher.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(verify)
