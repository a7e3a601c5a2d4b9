"""Per-user send limits (messages and comments, over HTTP and WebSocket alike): how many a
minute, and how many bytes of body a minute, since what a body costs to render grows with it."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from hub.errors import RateLimited

WINDOW_S = 60.0


class SendThrottle:
    """At most `per_minute` sends and `bytes_per_minute` bytes of bodies (sent or edited in)
    per user in any sliding minute; 0 turns a limit off."""

    def __init__(self, per_minute: int, bytes_per_minute: int = 0) -> None:
        self._limit = RateLimitItemPerMinute(per_minute) if per_minute > 0 else None
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._bytes = ByteWindow(bytes_per_minute) if bytes_per_minute > 0 else None

    async def take(self, user_id: int, size: int) -> None:
        """Count a send of a `size`-byte body, or refuse it (RateLimited) and count nothing."""
        if self._bytes is not None:
            self._bytes.check(user_id, size)
        if self._limit is not None and not await self._limiter.hit(
            self._limit, "send", str(user_id)
        ):
            stats = await self._limiter.get_window_stats(self._limit, "send", str(user_id))
            raise RateLimited(
                "sending too fast; slow down",
                retry_after_s=math.ceil(stats.reset_time - time.time()),
            )
        self.take_bytes(user_id, size)

    def take_bytes(self, user_id: int, size: int) -> None:
        """Count a `size`-byte body that is not a send (an edit), or refuse it."""
        if self._bytes is not None:
            self._bytes.check(user_id, size)
            self._bytes.add(user_id, size)


class ByteWindow:
    """Bytes each user sent in the last minute: every body's size and time, oldest first."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._sent: dict[int, deque[tuple[float, int]]] = {}
        self._totals: dict[int, int] = {}

    def check(self, user_id: int, size: int) -> None:
        """Refuse (RateLimited) a body that would take the user past the limit, with the wait
        after which it would not."""
        now = self._clock()
        self._forget_before(user_id, now - WINDOW_S)
        excess = self._totals.get(user_id, 0) + size - self.per_minute
        if excess <= 0:
            return
        # The oldest bodies leave the window first: the body fits once enough of them have.
        for sent_at, sent in self._sent.get(user_id, ()):
            excess -= sent
            if excess <= 0:
                raise RateLimited(
                    "sending too much text; slow down",
                    retry_after_s=math.ceil(sent_at + WINDOW_S - now),
                )
        raise ValueError(f"a {size}-byte body never fits in {self.per_minute} bytes a minute")

    def add(self, user_id: int, size: int) -> None:
        self._sent.setdefault(user_id, deque()).append((self._clock(), size))
        self._totals[user_id] = self._totals.get(user_id, 0) + size

    def _forget_before(self, user_id: int, start: float) -> None:
        sent = self._sent.get(user_id)
        while sent and sent[0][0] <= start:
            self._totals[user_id] -= sent.popleft()[1]
        if sent is not None and not sent:
            del self._sent[user_id], self._totals[user_id]
