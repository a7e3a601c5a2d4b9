"""Domain errors and their contract shape: {"error": {"code", "message", "field"?}}.

Also shared by the API and the dashboard: a pydantic validation failure as `Invalid`
(`invalid_from`), and which HTTP requests get that shape for an error (`wants_json`) rather
than the dashboard's HTML error page.
"""

from __future__ import annotations

from typing import Any, ClassVar

from aiohttp import web
from pydantic import ValidationError


class HubError(Exception):
    """An error a client caused or may see; maps to one status and one code of the contract."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        return {"error": error}

    def headers(self) -> dict[str, str]:
        return {}


class Invalid(HubError):
    status = 400
    code = "invalid"


class Unauthenticated(HubError):
    status = 401
    code = "unauthenticated"


class Forbidden(HubError):
    status = 403
    code = "forbidden"


class NotFound(HubError):
    status = 404
    code = "not_found"


class Conflict(HubError):
    status = 409
    code = "conflict"


class TooLarge(HubError):
    status = 413
    code = "too_large"


class RateLimited(HubError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, retry_after_s)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


def invalid_from(exc: ValidationError) -> Invalid:
    """The first validation problem, with the offending field named."""
    error = exc.errors()[0]
    location = ".".join(str(part) for part in error["loc"])
    message = error["msg"]
    if error["type"] == "missing":
        message = "this field is required"
    return Invalid(f"{location}: {message}" if location else message, field=location or None)


_MACHINE_PATHS = ("/api/", "/ws/", "/static/")


def wants_json(request: web.Request) -> bool:
    """Whether an HTTP error is answered as the contract's JSON: the API, the WebSocket and
    static files, and whoever asks for JSON; the dashboard's pages get HTML error pages."""
    path = request.path
    return (
        path == "/ws"
        or path.startswith(_MACHINE_PATHS)
        or "application/json" in request.headers.get("Accept", "")
    )
