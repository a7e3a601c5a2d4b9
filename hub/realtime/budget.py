"""How many frames one socket may send: a token bucket refilled at HUB_WS_FRAMES_PER_SECOND
that holds at most HUB_WS_FRAME_BURST frames.

Every frame counts, valid or not, a ping or a pong included: refusing a frame costs the hub
about what reading it does, so one socket sending thousands of junk frames a second would
otherwise slow every room of its process. A normal client (typing every 2 s, a few messages a
second, a reconnect that resubscribes many streams at once) stays far inside the budget.
"""

from __future__ import annotations


class FrameBudget:
    __slots__ = ("_at", "_burst", "_rate", "_tokens")

    def __init__(self, rate_per_s: float, burst: int, now: float) -> None:
        self._rate = rate_per_s
        self._burst = float(burst)
        self._tokens = float(burst)
        self._at = now

    def spend(self, now: float) -> bool:
        """Count one frame received at `now` (monotonic seconds); False once over budget."""
        tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if tokens < 1.0:
            self._tokens = tokens
            return False
        self._tokens = tokens - 1.0
        return True
