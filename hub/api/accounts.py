"""Login, logout, one's own profile, and admin-only user creation over HTTP (the use-cases and
their models are in hub/services/accounts.py, which the dashboard shares)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from pydantic import BaseModel

from hub.api.paging import page_from
from hub.api.routing import ApiRoutes
from hub.api.schemas import MemberQuery, Page, UserRef
from hub.appkeys import BROKER, DATABASE, LOGIN_THROTTLE, PASSWORDS, SECRET_KEY, SETTINGS
from hub.auth.requests import (
    SESSION_COOKIE,
    client_address,
    require_viewer,
    set_session_cookie,
)
from hub.auth.sessions import close_session, csrf_token
from hub.db.models import User
from hub.revocation import announce_session_ended
from hub.services.accounts import (
    LoginIn,
    MeOut,
    MePatch,
    UserCreate,
    authenticate,
    create_account,
    update_me,
)
from hub.services.directory import find_people

routes = ApiRoutes(tag="accounts")


class LoginOut(BaseModel):
    token: str
    csrf_token: str
    user: MeOut


@routes.route(
    "POST",
    "/api/v1/auth/login",
    summary="Log in: a bearer token and a session cookie",
    body=LoginIn,
    response=LoginOut,
    auth=False,
    errors=(400, 401, 429),
)
async def login(request: web.Request, body: LoginIn) -> web.StreamResponse:
    token, user = await authenticate(
        request.app[DATABASE],
        request.app[PASSWORDS],
        request.app[LOGIN_THROTTLE],
        body,
        address=client_address(request),
        session_ttl=timedelta(hours=request.app[SETTINGS].session_ttl_hours),
    )
    out = LoginOut(token=token, csrf_token=csrf_token(request.app[SECRET_KEY], token), user=user)
    response = web.Response(body=out.model_dump_json(), content_type="application/json")
    set_session_cookie(request, response, token)
    return response


@routes.route("POST", "/api/v1/auth/logout", summary="End this login session", status=204)
async def logout(request: web.Request) -> web.StreamResponse:
    viewer = await require_viewer(request)
    async with request.app[DATABASE].write() as session:
        await close_session(session, viewer.session_id)
    await announce_session_ended(request.app[BROKER], viewer.id, viewer.session_id)
    response = web.Response(status=204)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@routes.route("GET", "/api/v1/me", summary="The logged-in user", response=MeOut)
async def get_me(request: web.Request) -> MeOut:
    viewer = await require_viewer(request)
    async with request.app[DATABASE].read() as session:
        user = await session.get_one(User, viewer.id)
        return MeOut.of(user)


@routes.route(
    "PATCH",
    "/api/v1/me",
    summary="Change display name, time zone, preferences or password",
    body=MePatch,
    response=MeOut,
)
async def patch_me(request: web.Request, body: MePatch) -> MeOut:
    viewer = await require_viewer(request)
    return await update_me(request.app[DATABASE], request.app[PASSWORDS], viewer, body)


@routes.route(
    "POST",
    "/api/v1/users",
    summary="Create a user (administrators only)",
    body=UserCreate,
    response=MeOut,
    status=201,
    admin=True,
    errors=(409,),
)
async def post_user(request: web.Request, body: UserCreate) -> MeOut:
    return await create_account(request.app[DATABASE], request.app[PASSWORDS], body)


@routes.route(
    "GET",
    "/api/v1/users",
    summary="People to invite (board owners and admins): active users; `q` keeps those whose "
    "username or display name starts with it",
    query=MemberQuery,
    response=Page[UserRef],
    errors=(403,),
)
async def find_users(request: web.Request, query: MemberQuery) -> Page[UserRef]:
    viewer = await require_viewer(request)
    async with request.app[DATABASE].read() as session:
        items, next_cursor = await find_people(session, viewer, query.q, page_from(request, query))
    return Page[UserRef](items=[UserRef.model_validate(i) for i in items], next=next_cursor)
