"""How long to wait before the next attempt: exponential, capped, with full jitter, so that
many channels or processes that failed together do not all come back at the same instant."""

from __future__ import annotations

import random

FIRST_DELAY_S = 0.5


def backoff_s(attempt: int, cap_s: float, *, first_s: float = FIRST_DELAY_S) -> float:
    """The wait before attempt `attempt + 1` (`attempt` >= 1 failures so far): a random time
    up to first_s * 2**(attempt-1), never above `cap_s`, and at least a tenth of that bound."""
    bound = min(cap_s, first_s * 2 ** min(max(attempt - 1, 0), 30))
    return random.uniform(bound / 10, bound)
