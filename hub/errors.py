"""Domain errors and their contract shape: {"error": {"code", "message", "field"?}}."""

from __future__ import annotations

from typing import Any, ClassVar


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
