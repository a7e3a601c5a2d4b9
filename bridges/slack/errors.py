"""Slack's answers sorted into what the outbox does next: wait the Retry-After, retry with
backoff (maybe after looking for a post whose answer was lost), or park the delivery."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

from bridges.protocol import DeliveryError, RateLimited, RetryLater, Undeliverable

DEFAULT_RETRY_AFTER_S = 1.0
"""The wait after a 429 that came without a usable Retry-After header."""

REFUSED_TOKENS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
    }
)
"""The tokens were refused: retried later (the supervisor reports bad_credentials itself)."""

TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
"""Logical errors Slack documents as passing: retried with backoff, never parked."""

GONE = frozenset({"message_not_found"})
"""An update or delete of a message that is no longer there: nothing left to do."""


def status_of(exc: SlackApiError) -> int | None:
    """The HTTP status: slack_sdk gives a SlackResponse, or aiohttp's response for a body
    that was not JSON."""
    response = exc.response
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return int(status) if isinstance(status, int) else None


def error_code(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    if isinstance(data, Mapping):
        return str(data.get("error", ""))
    return ""


def retry_after_s(exc: SlackApiError) -> float:
    headers: Any = getattr(exc.response, "headers", None) or {}
    try:
        value = float(headers.get("Retry-After", headers.get("retry-after", "")))
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_S
    return value if value >= 0 else DEFAULT_RETRY_AFTER_S


def outcome(exc: BaseException) -> DeliveryError | None:
    """The outbox outcome of a failed Web API call, or None for an exception that is not
    Slack's (a bug: left to the outbox's own catch-all)."""
    if isinstance(exc, SlackApiError):
        status, code = status_of(exc), error_code(exc)
        if code == "ratelimited" or status == 429:
            return RateLimited(code or "ratelimited", retry_after_s(exc))
        if status is not None and status >= 500:
            return RetryLater(f"HTTP {status}: {code or 'server error'}")
        if code in REFUSED_TOKENS or code in TRANSIENT_ERRORS:
            return RetryLater(code)
        if status is not None and status != 200:
            return RetryLater(f"HTTP {status}: {code}")
        return Undeliverable(code or "unknown Slack error")
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | ConnectionError):
        # the call may have been applied before its answer was lost
        return RetryLater(f"{type(exc).__name__}: {exc}", uncertain=True)
    return None
