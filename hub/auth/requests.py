"""HTTP requests as the API, the dashboard and the WebSocket upgrade all read them: who is
asking (a Bearer token or the session cookie, checked once per request), the session cookie a
login sets, where a request's changes come from, and the client's address.

Cookie-authenticated requests that change state must come from an allowed Origin (when the
browser sends one) and carry the page's CSRF token; bearer clients are not exposed to CSRF.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from hub.appkeys import DATABASE, SECRET_KEY, SETTINGS
from hub.auth.sessions import Viewer, csrf_token, viewer_for_token
from hub.errors import Forbidden, Unauthenticated
from hub.events import API_ORIGIN, WEB_ORIGIN, Origin

SESSION_COOKIE = "taskflow_session"
CSRF_HEADER = "X-CSRF-Token"
_VIEWER: web.RequestKey[Viewer | None] = web.RequestKey("viewer")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def request_token(request: web.Request) -> tuple[str | None, bool]:
    """The session token and whether it came from the cookie."""
    authorization = request.headers.get("Authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip(), False
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else (None, False)


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    """The browser's session cookie: HttpOnly, SameSite=Lax, Secure behind https."""
    settings = request.app[SETTINGS]
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Lax",
        path="/",
        secure=settings.public_url.startswith("https://"),
        max_age=settings.session_ttl_hours * 3600,
    )


async def optional_viewer(request: web.Request) -> Viewer | None:
    if _VIEWER in request:
        viewer: Viewer | None = request[_VIEWER]
        return viewer
    token, from_cookie = request_token(request)
    viewer = None
    if token:
        async with request.app[DATABASE].read() as session:
            viewer = await viewer_for_token(session, token)
        if viewer is not None and from_cookie and request.method not in _SAFE_METHODS:
            check_cookie_write(request, token)
    request[_VIEWER] = viewer
    return viewer


async def require_viewer(request: web.Request) -> Viewer:
    viewer = await optional_viewer(request)
    if viewer is None:
        raise Unauthenticated("log in first: send a Bearer token or the session cookie")
    return viewer


async def require_admin(request: web.Request) -> Viewer:
    viewer = await require_viewer(request)
    if not viewer.is_admin:
        raise Forbidden("only administrators may do this")
    return viewer


def check_same_origin(request: web.Request) -> None:
    """Refuse a browser request another site made (Origin not allowed, or cross-site fetch)."""
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") not in request.app[SETTINGS].allowed_origins:
        raise Forbidden("cross-origin request refused")
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise Forbidden("cross-site request refused")


def check_cookie_write(request: web.Request, token: str) -> None:
    check_same_origin(request)
    expected = csrf_token(request.app[SECRET_KEY], token)
    if not hmac.compare_digest(request.headers.get(CSRF_HEADER, ""), expected):
        raise Forbidden(f"missing or wrong {CSRF_HEADER} header")


def request_origin(request: web.Request) -> Origin:
    """Where a request's changes come from: the dashboard (the cookie) or a token client."""
    _token, from_cookie = request_token(request)
    return WEB_ORIGIN if from_cookie else API_ORIGIN


def client_address(request: web.Request) -> str:
    """The client's address: behind a trusted reverse proxy, the nearest untrusted address in
    X-Forwarded-For (so per-address limits do not lump every user under the proxy's)."""
    trusted = request.app[SETTINGS].trusted_proxies
    address = request.remote or "unknown"
    if address not in trusted:
        return address
    forwarded = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([hop for hop in forwarded if hop]):
        if hop not in trusted:
            return hop
    return address
