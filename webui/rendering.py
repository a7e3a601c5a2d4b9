"""How a page handler becomes an aiohttp handler: the viewer is looked up (anonymous people
are sent to /login), the page is rendered inside the base layout, and a domain error becomes
an HTML error page with its status (404 for what the viewer may not see)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NoReturn
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy import select

from hub.appkeys import DATABASE, REFUSALS
from hub.auth.requests import SESSION_COOKIE, optional_viewer
from hub.auth.sessions import Viewer, viewer_for_token
from hub.db.models import User
from hub.errors import HubError, NotFound, RateLimited, Unauthenticated
from hub.refusals import Via
from hub.services.notifications import unread_count
from hub.services.pagination import MAX_ID
from webui.security import CSRF_FIELD, check_form_csrf, page_csrf_token

Context = Mapping[str, Any]
Form = MultiDictProxy[str | bytes | Any]
PageHandler = Callable[[web.Request, Viewer], Awaitable[Context]]
FormHandler = Callable[[web.Request, Viewer, Form], Awaitable[web.HTTPSeeOther]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def page(template: str) -> Callable[[PageHandler], Handler]:
    """A GET page: `handler(request, viewer)` returns the template's context."""

    def wrap(handler: PageHandler) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            viewer = await optional_viewer(request)
            if viewer is None:
                to_login(request)
            try:
                context = await handler(request, viewer)
            except HubError as error:
                return await render_error(request, viewer, error)
            return await render(request, viewer, template, context)

        return handle

    return wrap


def form_action(handler: FormHandler) -> Handler:
    """A POST from one of the dashboard's forms: the session cookie plus the form's CSRF token;
    `handler(request, viewer, form)` returns the redirect to where to go next."""

    async def handle(request: web.Request) -> web.StreamResponse:
        form = await request.post()
        viewer = None
        try:
            check_form_csrf(request, form.get(CSRF_FIELD))
            async with request.app[DATABASE].read() as session:
                viewer = await viewer_for_token(session, request.cookies[SESSION_COOKIE])
            if viewer is None:
                raise Unauthenticated("log in first")
            redirect = await handler(request, viewer, form)
        except Unauthenticated:
            to_login(request)
        except HubError as error:
            return await render_error(request, viewer, error)
        raise redirect

    return handle


def page_id(request: web.Request, name: str = "id") -> int:
    """An id from the path; one beyond any stored id is simply not there."""
    value = request.match_info[name]
    if len(value) > len(str(MAX_ID)) or int(value) > MAX_ID:
        raise NotFound("no such page")
    return int(value)


def to_login(request: web.Request) -> NoReturn:
    target = request.path_qs if request.method == "GET" else "/"
    raise web.HTTPFound("/login?" + urlencode({"next": target}))


async def render(
    request: web.Request,
    viewer: Viewer | None,
    template: str,
    context: Context,
    *,
    status: int = 200,
) -> web.Response:
    """A template inside the base layout, which needs the viewer, the CSRF token and the
    unread count for the header."""
    unread, time_zone = 0, None
    if viewer is not None:
        async with request.app[DATABASE].read() as session:
            unread = await unread_count(session, viewer)
            time_zone = await session.scalar(select(User.time_zone).where(User.id == viewer.id))
    layout = {
        "viewer": viewer,
        "viewer_time_zone": time_zone,  # None: not chosen; times.js uses the browser's
        "csrf_token": page_csrf_token(request),
        "unread": unread,
    }
    return aiohttp_jinja2.render_template(template, request, {**layout, **context}, status=status)


async def render_error(
    request: web.Request, viewer: Viewer | None, error: HubError
) -> web.Response:
    if isinstance(error, RateLimited):
        request.app[REFUSALS].rate_limited_request(Via.FORM, request)
    response = await render(request, viewer, "error.html", {"error": error}, status=error.status)
    response.headers.update(error.headers())
    return response
