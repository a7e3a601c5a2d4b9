"""The settings page: display name, time zone, notification preferences and password, saved
by the same code and rules as PATCH /api/v1/me."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from hub.appkeys import DATABASE, PASSWORDS
from hub.auth.sessions import Viewer
from hub.db.models import User
from hub.errors import Invalid
from hub.services.accounts import (
    TIME_ZONES,
    MeOut,
    MePatch,
    NotificationPreferences,
    update_me,
)
from webui.forms import list_field, readable, refuse, text_field
from webui.rendering import Context, Form, form_action, page

TEMPLATE = "settings.html"
SAVED_NOTICES = {"profile": "Saved.", "password": "Password changed."}
PREFERENCE_FIELDS = NotificationPreferences.model_fields


def choices(field: str) -> tuple[str, ...]:
    """The allowed values of a Literal preference (or of the items of a list of them)."""
    annotation: Any = PREFERENCE_FIELDS[field].annotation
    if getattr(annotation, "__origin__", None) is list:
        (annotation,) = annotation.__args__
    return tuple(annotation.__args__)


def profile_values(me: MeOut) -> dict[str, Any]:
    """The profile form's fields, flat, as the form names them."""
    preferences = me.preferences
    quiet = preferences.quiet_hours
    return {
        "display_name": me.display_name,
        "time_zone": me.time_zone or "",
        "mention_dm": preferences.mention_dm,
        "digest": preferences.digest,
        "digest_time": preferences.digest_time,
        "digest_weekday": preferences.digest_weekday,
        "digest_channels": list(preferences.digest_channels),
        "quiet_start": quiet.start if quiet else "",
        "quiet_end": quiet.end if quiet else "",
        "email": preferences.email or "",
    }


async def settings_context(
    request: web.Request, viewer: Viewer, values: dict[str, Any] | None = None
) -> Context:
    """The page's context: `values` are what the person typed, else what is stored."""
    if values is None:
        async with request.app[DATABASE].read() as session:
            values = profile_values(MeOut.of(await session.get_one(User, viewer.id)))
    zones = TIME_ZONES
    if values["time_zone"] and values["time_zone"] not in zones:
        zones = (values["time_zone"], *zones)
    return {
        "values": values,
        "time_zones": zones,
        "choices": {
            field: choices(field)
            for field in ("mention_dm", "digest", "digest_weekday", "digest_channels")
        },
        "saved": SAVED_NOTICES.get(request.query.get("saved", "")),
    }


@page(TEMPLATE)
async def settings_page(request: web.Request, viewer: Viewer) -> Context:
    return await settings_context(request, viewer)


def profile_patch(values: dict[str, Any]) -> MePatch:
    quiet = None
    if values["quiet_start"] or values["quiet_end"]:
        quiet = {"start": values["quiet_start"], "end": values["quiet_end"]}
    preferences = {
        "mention_dm": values["mention_dm"],
        "digest": values["digest"],
        "digest_time": values["digest_time"],
        "digest_weekday": values["digest_weekday"],
        "digest_channels": values["digest_channels"],
        "quiet_hours": quiet,
        "email": values["email"].strip() or None,
    }
    return MePatch.model_validate(
        {
            "display_name": values["display_name"],
            "time_zone": values["time_zone"] or None,  # "": the browser's zone
            "preferences": preferences,
        }
    )


@form_action
async def settings_submit(request: web.Request, viewer: Viewer, form: Form) -> web.HTTPSeeOther:
    text_names = ("display_name", "time_zone", "mention_dm", "digest", "digest_time")
    more_names = ("digest_weekday", "quiet_start", "quiet_end", "email")
    values: dict[str, Any] = {name: text_field(form, name) for name in text_names + more_names}
    values["digest_channels"] = list_field(form, "digest_channels")
    try:
        await update_me(
            request.app[DATABASE], request.app[PASSWORDS], viewer, profile_patch(values)
        )
    except ValidationError as error:
        context = {**await settings_context(request, viewer, values), "error_form": "profile"}
        await refuse(request, viewer, TEMPLATE, context, readable(error))
    return web.HTTPSeeOther("/settings/?saved=profile")


@form_action
async def password_submit(request: web.Request, viewer: Viewer, form: Form) -> web.HTTPSeeOther:
    current, new = text_field(form, "current_password"), text_field(form, "password")
    try:
        if new != text_field(form, "password_confirm"):
            raise Invalid("The new passwords do not match.", field="password_confirm")
        patch = MePatch(password=new, current_password=current)
        await update_me(request.app[DATABASE], request.app[PASSWORDS], viewer, patch)
    except (ValidationError, Invalid) as error:
        context = {**await settings_context(request, viewer), "error_form": "password"}
        problem = readable(error) if isinstance(error, ValidationError) else error
        await refuse(request, viewer, TEMPLATE, context, problem)
    return web.HTTPSeeOther("/settings/?saved=password")
