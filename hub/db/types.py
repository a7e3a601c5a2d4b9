"""Column types shared by the models, portable across SQLite and PostgreSQL, and how JSON
columns encode."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import BigInteger, DateTime, Dialect, Integer
from sqlalchemy.types import TypeDecorator


def json_bytes(value: Any) -> bytes:
    """How JSON columns encode their values (orjson: a tenth of the standard library's time
    per event); `hub.db.engine` gives it to SQLAlchemy, the event log uses it directly."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


# SQLite only auto-increments an INTEGER PRIMARY KEY, so big ids are plain INTEGER there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp; SQLite hands back naive values, which are UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=256)  # a batch of messages shares one timestamp
def iso(moment: datetime) -> str:
    """A UTC timestamp as the API writes it everywhere (`…Z`, like the HTTP responses)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
