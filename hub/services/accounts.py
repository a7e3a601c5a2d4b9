"""Accounts as their people use them: logging in (a throttled credential check that opens a
login session), one's own profile and notification preferences, and the accounts an
administrator creates. The API and the dashboard validate with these models and come here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, WithJsonSchema

from hub.actors import Actor
from hub.auth.passwords import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, Passwords
from hub.auth.sessions import open_session
from hub.auth.throttle import LoginThrottle
from hub.db.engine import Database
from hub.db.models import DISPLAY_NAME_MAX, User
from hub.errors import Invalid, Unauthenticated
from hub.services.commands import NOT_BLANK, Omittable, Request, Username
from hub.services.users import add_user, user_by_name

Password = Annotated[
    str, StringConstraints(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
]
DisplayName = Annotated[
    str, StringConstraints(min_length=1, max_length=DISPLAY_NAME_MAX), NOT_BLANK
]
HourMinute = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
# Every zone this machine's tz database knows; the schema lists them.
TIME_ZONES = tuple(sorted(available_timezones() | {"UTC"}))
_KNOWN_ZONES = frozenset(TIME_ZONES)


def _known_zone(value: str) -> str:
    if value not in _KNOWN_ZONES:
        raise ValueError(f"unknown time zone {value!r}")
    return value


TimeZone = Annotated[
    str, AfterValidator(_known_zone), WithJsonSchema({"type": "string", "enum": list(TIME_ZONES)})
]
# No whitespace nor control character: spelled out, so that every regex engine agrees.
_EMAIL_PART = (
    r"[^@\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
)


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
        Annotated[str, StringConstraints(max_length=254, pattern=rf"^{_EMAIL_PART}@{_EMAIL_PART}$")]
        | None
    ) = None


class PreferencesPatch(NotificationPreferences, Request):
    """Only the fields sent are changed."""


class MeOut(BaseModel):
    id: int
    username: str
    display_name: str
    is_admin: bool
    time_zone: str | None  # None: never chosen (pages then use the browser's zone)
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


class MePatch(Request):
    """Fields left out keep their value (so does a null display name or preferences); a null
    time zone clears the chosen one; a new `password` needs `current_password`."""

    model_config = ConfigDict(
        json_schema_extra={"dependentRequired": {"password": ["current_password"]}}
    )

    display_name: DisplayName | None = None
    time_zone: TimeZone | None = None
    preferences: PreferencesPatch | None = None
    password: Omittable[Password] = None
    current_password: Omittable[
        Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX_LENGTH)]
    ] = None


class UserCreate(Request):
    username: Username
    password: Password
    display_name: DisplayName | None = None
    is_admin: bool = False


async def authenticate(
    database: Database,
    passwords: Passwords,
    throttle: LoginThrottle,
    credentials: LoginIn,
    *,
    address: str,
    session_ttl: timedelta,
) -> tuple[str, MeOut]:
    """Check a username and password (throttled per account and client `address`) and open a
    login session lasting `session_ttl`: (its token, the user). An unknown or inactive account
    costs the same password check as a wrong password, so timing does not tell them apart."""
    username, password = credentials.username, credentials.password
    await throttle.check(username, address)
    async with database.read() as session:
        user = await user_by_name(session, username)
    stored_hash = user.password_hash if user is not None and user.is_active else None
    valid = await passwords.verify(stored_hash, password)
    if not valid or user is None:
        await throttle.record_failure(username, address)
        raise Unauthenticated("wrong username or password")
    async with database.write() as session:
        user = await session.get_one(User, user.id)
        token = await open_session(session, user, session_ttl)
        return token, MeOut.of(user)


async def update_me(database: Database, passwords: Passwords, actor: Actor, body: MePatch) -> MeOut:
    """Change one's own profile; a new password needs the current one (400 naming
    `current_password` when it is missing or wrong: a wrong field, as for any other input)."""
    new_password_hash = None
    if body.password is not None:
        if not body.current_password:
            raise Invalid(
                "current_password: needed to change the password", field="current_password"
            )
        async with database.read() as session:
            current_hash = (await session.get_one(User, actor.id)).password_hash
        if not await passwords.verify(current_hash, body.current_password):
            raise Invalid("current_password is wrong", field="current_password")
        new_password_hash = await passwords.hash(body.password)
    async with database.write() as session:
        user = await session.get_one(User, actor.id)
        if body.display_name is not None:
            user.display_name = body.display_name
        if "time_zone" in body.model_fields_set:
            user.time_zone = body.time_zone
        if body.preferences is not None:
            changes: dict[str, Any] = body.preferences.model_dump(mode="json", exclude_unset=True)
            user.preferences = merged_preferences(user.preferences, changes)
        if new_password_hash is not None:
            user.password_hash = new_password_hash
        return MeOut.of(user)


def merged_preferences(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    return {**current, **changes}


async def create_account(database: Database, passwords: Passwords, body: UserCreate) -> MeOut:
    """A new user (the caller checked that an admin asks). The password is hashed before the
    write transaction, so that no write lock waits on argon2."""
    password_hash = await passwords.hash(body.password)
    async with database.write() as session:
        user = await add_user(
            session,
            body.username,
            password_hash,
            display_name=body.display_name or body.username,
            is_admin=body.is_admin,
        )
        return MeOut.of(user)
