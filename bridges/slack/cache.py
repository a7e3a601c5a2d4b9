"""A small bounded cache whose entries expire: Slack user names, and the event ids already
taken in (Slack redelivers an event with the same event_id)."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class ExpiringCache(Generic[V]):
    """At most `max_size` entries, each kept `ttl_s`; the oldest written goes first."""

    def __init__(self, max_size: int, ttl_s: float) -> None:
        self.max_size = max_size
        self.ttl_s = ttl_s
        self._items: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def get(self, key: str) -> V | None:
        found = self._items.get(key)
        if found is None:
            return None
        written, value = found
        if time.monotonic() - written > self.ttl_s:
            del self._items[key]
            return None
        return value

    def put(self, key: str, value: V) -> None:
        self._items.pop(key, None)
        self._items[key] = (time.monotonic(), value)
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)

    def discard(self, key: str) -> None:
        self._items.pop(key, None)
