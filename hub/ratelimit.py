"""Per-user send limits (messages and comments, over HTTP and WebSocket alike)."""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from hub.errors import RateLimited


class SendThrottle:
    """At most `per_minute` sends per user in any sliding minute (0 turns the limit off)."""

    def __init__(self, per_minute: int) -> None:
        self._limit = RateLimitItemPerMinute(per_minute) if per_minute > 0 else None
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def take(self, user_id: int) -> None:
        if self._limit is None:
            return
        if not await self._limiter.hit(self._limit, "send", str(user_id)):
            stats = await self._limiter.get_window_stats(self._limit, "send", str(user_id))
            raise RateLimited(
                "sending too fast; slow down",
                retry_after_s=math.ceil(stats.reset_time - time.time()),
            )
