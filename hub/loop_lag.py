"""How late the event loop runs a timer: what a blocked loop (a slow call on it, a long
computation) costs every socket of the process at once.

One timer, due every `interval_s`: when it runs, how late it ran is observed, and the next one
is set from then. A loop blocked for 3 s shows as one observation of about 3 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

INTERVAL_S = 0.5  # cheap enough to forget, often enough to catch a blocking call


class LoopLag:
    def __init__(self, observe: Callable[[float], None], *, interval_s: float = INTERVAL_S) -> None:
        self._observe = observe
        self._interval_s = interval_s
        self._due = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._set(asyncio.get_running_loop())

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _set(self, loop: asyncio.AbstractEventLoop) -> None:
        self._due = loop.time() + self._interval_s
        self._timer = loop.call_at(self._due, self._fired, loop)

    def _fired(self, loop: asyncio.AbstractEventLoop) -> None:
        # A timer may run up to the clock's resolution early: that is no lag.
        self._observe(max(0.0, loop.time() - self._due))
        self._set(loop)
