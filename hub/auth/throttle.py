"""Failed-login throttling per account and per client address (moving one-minute window)."""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from hub.errors import RateLimited


class LoginThrottle:
    def __init__(self, failures_per_minute: int) -> None:
        self._limit = RateLimitItemPerMinute(failures_per_minute)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def check(self, username: str, address: str) -> None:
        """Raise RateLimited when the account or the address has failed too often."""
        for key in self._keys(username, address):
            if not await self._limiter.test(self._limit, *key):
                stats = await self._limiter.get_window_stats(self._limit, *key)
                retry_after = math.ceil(stats.reset_time - time.time())
                raise RateLimited(
                    "too many failed logins; try again later", retry_after_s=retry_after
                )

    async def record_failure(self, username: str, address: str) -> None:
        for key in self._keys(username, address):
            await self._limiter.hit(self._limit, *key)

    @staticmethod
    def _keys(username: str, address: str) -> tuple[tuple[str, str], ...]:
        return (("login-account", username.lower()), ("login-address", address))
