"""Browser protections for the dashboard: the headers every HTML page carries, and the CSRF
token that the dashboard's own forms post back."""

from __future__ import annotations

import hmac

from aiohttp import web

from hub.appkeys import SECRET_KEY
from hub.auth.requests import SESSION_COOKIE, check_same_origin
from hub.auth.sessions import csrf_token
from hub.errors import Forbidden

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
CSRF_FIELD = "csrf_token"


async def add_page_headers(_request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare` hook: any HTML the hub answers gets the page headers."""
    if response.content_type == "text/html":
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"


def page_csrf_token(request: web.Request) -> str:
    """The token the page's forms and fetches send back ("" without a session cookie)."""
    token = request.cookies.get(SESSION_COOKIE)
    return csrf_token(request.app[SECRET_KEY], token) if token else ""


def check_form_csrf(request: web.Request, presented: object) -> None:
    check_same_origin(request)
    expected = page_csrf_token(request)
    if not (
        expected
        and isinstance(presented, str)
        and hmac.compare_digest(presented.encode(), expected.encode())
    ):
        raise Forbidden("missing or wrong CSRF token; reload the page and try again")
