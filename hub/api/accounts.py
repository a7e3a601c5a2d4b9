"""Login, logout, one's own profile, and admin-only user creation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from pydantic import BaseModel, StringConstraints, field_validator

from hub.api.routing import ApiRoutes
from hub.appkeys import DATABASE, LOGIN_THROTTLE, SECRET_KEY, SETTINGS
from hub.auth.passwords import (
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    hash_password,
    verify_password,
)
from hub.auth.requests import (
    SESSION_COOKIE,
    client_address,
    require_admin,
    require_viewer,
    set_session_cookie,
)
from hub.auth.sessions import Viewer, close_session, csrf_token, open_session
from hub.db.engine import Database
from hub.db.models import DISPLAY_NAME_MAX, User
from hub.errors import Forbidden, Unauthenticated
from hub.services.commands import Request, Username
from hub.services.users import add_user, merged_preferences, user_by_name

routes = ApiRoutes(tag="accounts")

Password = Annotated[
    str, StringConstraints(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
]
DisplayName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=DISPLAY_NAME_MAX)
]
HourMinute = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class QuietHours(BaseModel):
    start: HourMinute
    end: HourMinute


class NotificationPreferences(BaseModel):
    """How a person wants to hear about what happens; digests read these in a later issue."""

    mention_dm: Literal["immediate", "digest", "off"] = "immediate"
    digest: Literal["off", "hourly", "daily", "weekly"] = "off"
    digest_time: HourMinute = "09:00"
    digest_weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    digest_channels: list[Literal["web", "slack", "discord", "email"]] = ["web"]
    quiet_hours: QuietHours | None = None
    email: (
        Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")] | None
    ) = None


class PreferencesPatch(NotificationPreferences, Request):
    """Only the fields sent are changed."""


class MeOut(BaseModel):
    id: int
    username: str
    display_name: str
    is_admin: bool
    time_zone: str
    preferences: NotificationPreferences
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> MeOut:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            is_admin=user.is_admin,
            time_zone=user.time_zone,
            preferences=NotificationPreferences.model_validate(user.preferences),
            created_at=user.created_at,
        )


class LoginIn(Request):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX_LENGTH)]


class LoginOut(BaseModel):
    token: str
    csrf_token: str
    user: MeOut


class MePatch(Request):
    display_name: DisplayName | None = None
    time_zone: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    preferences: PreferencesPatch | None = None
    password: Password | None = None
    current_password: Annotated[str, StringConstraints(max_length=PASSWORD_MAX_LENGTH)] | None = (
        None
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value


class UserCreate(Request):
    username: Username
    password: Password
    display_name: DisplayName | None = None
    is_admin: bool = False


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
    token, user = await authenticate(request, body.username, body.password)
    out = LoginOut(token=token, csrf_token=csrf_token(request.app[SECRET_KEY], token), user=user)
    response = web.Response(body=out.model_dump_json(), content_type="application/json")
    set_session_cookie(request, response, token)
    return response


async def authenticate(request: web.Request, username: str, password: str) -> tuple[str, MeOut]:
    """Check a username and password (throttled per account and address) and open a login
    session: (its token, the user). The API and the dashboard's login page both come here."""
    throttle = request.app[LOGIN_THROTTLE]
    address = client_address(request)
    await throttle.check(username, address)
    settings = request.app[SETTINGS]
    database = request.app[DATABASE]
    async with database.read() as session:
        user = await user_by_name(session, username)
    valid = (
        user is not None and user.is_active and await verify_password(user.password_hash, password)
    )
    if not valid or user is None:
        await throttle.record_failure(username, address)
        raise Unauthenticated("wrong username or password")
    async with database.write() as session:
        user = await session.get_one(User, user.id)
        token = await open_session(session, user, timedelta(hours=settings.session_ttl_hours))
        return token, MeOut.of(user)


@routes.route("POST", "/api/v1/auth/logout", summary="End this login session", status=204)
async def logout(request: web.Request) -> web.StreamResponse:
    viewer = await require_viewer(request)
    async with request.app[DATABASE].write() as session:
        await close_session(session, viewer.session_id)
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
    return await update_me(request.app[DATABASE], viewer, body)


async def update_me(database: Database, viewer: Viewer, body: MePatch) -> MeOut:
    """Change one's own profile; PATCH /api/v1/me and the settings page both come here."""
    new_password_hash = None
    if body.password is not None:
        async with database.read() as session:
            current_hash = (await session.get_one(User, viewer.id)).password_hash
        if not body.current_password or not await verify_password(
            current_hash, body.current_password
        ):
            raise Forbidden("current_password is wrong", field="current_password")
        new_password_hash = await hash_password(body.password)
    async with database.write() as session:
        user = await session.get_one(User, viewer.id)
        if body.display_name is not None:
            user.display_name = body.display_name
        if body.time_zone is not None:
            user.time_zone = body.time_zone
        if body.preferences is not None:
            changes: dict[str, Any] = body.preferences.model_dump(mode="json", exclude_unset=True)
            user.preferences = merged_preferences(user.preferences, changes)
        if new_password_hash is not None:
            user.password_hash = new_password_hash
        return MeOut.of(user)


@routes.route(
    "POST",
    "/api/v1/users",
    summary="Create a user (administrators only)",
    body=UserCreate,
    response=MeOut,
    status=201,
    errors=(400, 401, 403, 409),
)
async def post_user(request: web.Request, body: UserCreate) -> MeOut:
    await require_admin(request)
    return await create_account(request.app[DATABASE], body)


async def create_account(database: Database, body: UserCreate) -> MeOut:
    """A new user (the caller checked that an admin asks); the API and the admin page."""
    password_hash = await hash_password(body.password)
    async with database.write() as session:
        user = await add_user(
            session,
            body.username,
            password_hash,
            display_name=body.display_name or body.username,
            is_admin=body.is_admin,
        )
        return MeOut.of(user)
