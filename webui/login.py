"""The login page and logout: the same login as POST /api/v1/auth/login, with a form."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from pydantic import ValidationError

from hub.appkeys import BROKER, DATABASE, LOGIN_THROTTLE, PASSWORDS, REFUSALS, SETTINGS
from hub.auth.requests import (
    SESSION_COOKIE,
    check_same_origin,
    client_address,
    set_session_cookie,
)
from hub.auth.sessions import Viewer, close_session
from hub.errors import RateLimited, Unauthenticated
from hub.refusals import Via
from hub.revocation import announce_session_ended
from hub.services.accounts import LoginIn, authenticate
from webui.forms import text_field
from webui.redirects import local_path
from webui.rendering import Form, form_action, render


async def login_page(request: web.Request) -> web.Response:
    context = {"next": local_path(request.query.get("next", "/")), "username": ""}
    return await render(request, None, "login.html", context)


async def login_submit(request: web.Request) -> web.StreamResponse:
    """No CSRF token exists before a login, so only the browser's Origin tells a login that
    another site submitted (to log the victim into the attacker's account)."""
    check_same_origin(request)
    form = await request.post()
    username, password = text_field(form, "username"), text_field(form, "password")
    target = local_path(text_field(form, "next"))
    context = {"next": target, "username": username}
    try:
        credentials = LoginIn(username=username, password=password)
        token, _user = await authenticate(
            request.app[DATABASE],
            request.app[PASSWORDS],
            request.app[LOGIN_THROTTLE],
            credentials,
            address=client_address(request),
            session_ttl=timedelta(hours=request.app[SETTINGS].session_ttl_hours),
        )
    except (ValidationError, Unauthenticated):
        context["error"] = "Wrong username or password."
        return await render(request, None, "login.html", context, status=401)
    except RateLimited as error:
        request.app[REFUSALS].rate_limited_request(Via.FORM, request)
        context["error"] = "Too many failed logins. Try again in a minute."
        response = await render(request, None, "login.html", context, status=429)
        response.headers.update(error.headers())
        return response
    response = web.HTTPSeeOther(target)
    set_session_cookie(request, response, token)
    raise response


@form_action
async def logout_submit(request: web.Request, viewer: Viewer, _form: Form) -> web.HTTPSeeOther:
    async with request.app[DATABASE].write() as session:
        await close_session(session, viewer.session_id)
    await announce_session_ended(request.app[BROKER], viewer.id, viewer.session_id)
    redirect = web.HTTPSeeOther("/login")
    redirect.del_cookie(SESSION_COOKIE, path="/")
    return redirect
