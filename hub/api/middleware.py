"""Every failure becomes the contract's JSON error shape; nothing escapes as an HTML 500."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web

from hub.appkeys import REFUSALS
from hub.errors import HubError, RateLimited, wants_json
from hub.refusals import Via

log = structlog.get_logger(__name__)

_STATUS_CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "invalid",
    409: "conflict",
    413: "too_large",
    429: "rate_limited",
}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, headers=headers
    )


@web.middleware
async def errors_as_json(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except HubError as exc:
        if isinstance(exc, RateLimited):
            request.app[REFUSALS].rate_limited_request(Via.HTTP, request)
        return web.json_response(exc.body(), status=exc.status, headers=exc.headers())
    except web.HTTPException as exc:
        if exc.status < 400 or not wants_json(request):
            raise
        code = _STATUS_CODES.get(exc.status, "invalid")
        return error_response(exc.status, code, exc.reason, headers=_kept_headers(exc))
    except Exception:
        log.exception("unhandled error", method=request.method, path=request.path)
        return error_response(500, "internal", "internal error")


def _kept_headers(exc: web.HTTPException) -> dict[str, str]:
    """Headers the status needs (Allow on 405, Retry-After), not those of aiohttp's text body."""
    return {
        name: value
        for name, value in exc.headers.items()
        if not name.lower().startswith("content-")
    }
