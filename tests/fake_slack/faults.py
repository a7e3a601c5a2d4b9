"""Faults on demand and rate limits: what webapi.py consults before and after applying a call.

Also the request log (`Call`) and the record of requests that ignored an announced
Retry-After, so a test can assert that a client honoured every one."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    """One Web API request as the fake received it (before any fault was applied)."""

    method: str
    params: dict[str, Any]
    time: float
    channel: str | None
    status: int = 200
    error: str | None = None


@dataclass
class Violation:
    """A request that came while a Retry-After the fake had announced was still running."""

    method: str
    channel: str | None
    time: float
    retry_allowed_at: float


@dataclass
class Failure:
    status: int
    error: str | None
    times: int


@dataclass
class RateLimit:
    """A token bucket per channel (or one per method): `per_s` calls a second, `burst` at once."""

    per_s: float
    per_channel: bool
    burst: int
    # A client pacing itself at exactly `per_s` must not be refused for a few ms of jitter.
    jitter_allowance_s: float = 0.02
    tokens: dict[str, float] = field(default_factory=dict)
    refilled: dict[str, float] = field(default_factory=dict)
    announced_until: dict[str, float] = field(default_factory=dict)

    def take(self, key: str, now: float) -> int | None:
        """None when the call may go through, else the Retry-After (integer seconds) to send."""
        tokens = self.tokens.get(key, float(self.burst))
        tokens = min(self.burst, tokens + (now - self.refilled.get(key, now)) * self.per_s)
        self.refilled[key] = now
        enough = tokens >= 1 - self.jitter_allowance_s * self.per_s
        if enough and now >= self.announced_until.get(key, 0.0):
            self.tokens[key] = max(0.0, tokens - 1)
            return None
        self.tokens[key] = tokens
        wait = max((1 - tokens) / self.per_s, self.announced_until.get(key, 0.0) - now)
        retry_after = max(1, math.ceil(wait))
        self.announced_until[key] = now + retry_after
        return retry_after


class Faults:
    """The fault plan: one-shot failures, slow answers, lost answers, outage, rate limits."""

    def __init__(self) -> None:
        self.is_down = False
        self.failures: dict[str, list[Failure]] = {}
        self.slowness: dict[str, float] = {}
        self.lost_answers: dict[str, int] = {}
        self.limits: dict[str, RateLimit] = {}
        self.retry_after_violations: list[Violation] = []

    def fail_next(self, method: str, status: int, times: int, error: str | None) -> None:
        self.failures.setdefault(method, []).append(Failure(status, error, times))

    def take_failure(self, method: str) -> Failure | None:
        queue = self.failures.get(method) or []
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    def take_lost_answer(self, method: str) -> bool:
        left = self.lost_answers.get(method, 0)
        if left > 0:
            self.lost_answers[method] = left - 1
        return left > 0

    def rate_limit(
        self, method: str, per_channel_per_s: float | None, per_s: float | None, burst: int
    ) -> None:
        if (per_channel_per_s is None) == (per_s is None):
            raise ValueError("give exactly one of per_channel_per_s and per_s")
        rate = per_channel_per_s if per_channel_per_s is not None else per_s
        assert rate is not None and rate > 0
        self.limits[method] = RateLimit(rate, per_channel_per_s is not None, burst)

    def check_rate(self, method: str, channel: str | None) -> int | None:
        """Record a Retry-After violation if any, then answer the bucket's verdict."""
        limit = self.limits.get(method)
        if limit is None:
            return None
        key = (channel or "") if limit.per_channel else ""
        now = time.monotonic()
        allowed_at = limit.announced_until.get(key, 0.0)
        if now < allowed_at:
            self.retry_after_violations.append(
                Violation(method, channel, time.time(), time.time() + allowed_at - now)
            )
        return limit.take(key, now)
