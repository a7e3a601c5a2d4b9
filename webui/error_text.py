"""Form errors in sentences a person reads, e.g. "The password must be at least 8 characters
long." for pydantic's "password: String should have at least 8 characters".

Only what the dashboard's pages show: the API's JSON errors keep their messages (contract).
The field stays named (`HubError.field`), so the page can mark the input that was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from hub.errors import HubError, Invalid

# What each form field is called in a sentence ("The display name must not be empty.").
FIELD_LABELS = {
    "body": "A message",
    "current_password": "The current password",
    "description": "The description",
    "digest": "The digest",
    "digest_channels": "The digest channels",
    "digest_time": "The digest time",
    "digest_weekday": "The digest day",
    "display_name": "The display name",
    "email": "The e-mail address",
    "end": "The end of the quiet hours",
    "mention_dm": "The mention setting",
    "members": "The members",
    "name": "The name",
    "password": "The password",
    "password_confirm": "The new password again",
    "start": "The start of the quiet hours",
    "time_zone": "The time zone",
    "username": "The username",
}
# For a text that does not match its pattern: what it should look like.
PATTERN_HINTS = {
    "digest_time": "{label} must be a time like 09:00.",
    "start": "{label} must be a time like 22:00.",
    "end": "{label} must be a time like 07:00.",
    "email": "{label} does not look like an e-mail address.",
    "username": "A username is 1 to 32 letters, digits, '.', '_' or '-'.",
}
# Errors of the services (already words) that still read like internals: (code, field, a
# word of the message) → the sentence.
SERVICE_SENTENCES = {
    ("invalid", "current_password", "needed"): "Enter your current password to change it.",
    ("invalid", "current_password", "wrong"): "The current password is wrong.",
}


def label(field: str | None, labels: Mapping[str, str] | None = None) -> str:
    name = (field or "").split(".")[-1]
    found = (labels or {}).get(name) or FIELD_LABELS.get(name)
    return found or (f"The {name.replace('_', ' ')}" if name else "This value")


def validation_sentence(error: ValidationError, labels: Mapping[str, str] | None = None) -> Invalid:
    """The first problem of a form's validation as a sentence, naming its field."""
    problem = error.errors()[0]
    field = ".".join(str(part) for part in problem["loc"]) or None
    return Invalid(_problem_sentence(problem, field, label(field, labels)), field=field)


def _problem_sentence(problem: Any, field: str | None, named: str) -> str:
    kind, context = problem["type"], problem.get("ctx") or {}
    name = (field or "").split(".")[-1]
    if kind == "missing":
        return f"{named} is needed."
    if kind == "string_too_short":
        least = int(context.get("min_length", 1))
        if least <= 1:
            return f"{named} must not be empty."
        return f"{named} must be at least {least} characters long."
    if kind == "string_too_long":
        return f"{named} can be at most {int(context['max_length'])} characters long."
    if kind == "string_pattern_mismatch":
        return PATTERN_HINTS.get(name, "{label} is not written the way it should be.").format(
            label=named
        )
    if kind in ("literal_error", "enum"):
        return f"Choose {_lower(named)} from the list."
    if kind == "value_error":  # the hub's own validators, already in words
        message = str(problem["msg"]).removeprefix("Value error, ")
        if name == "time_zone":
            return f"Choose a time zone from the list ({message})."
        if message.startswith("must"):
            return f"{named} {message}."
        if message.startswith("use "):
            return f"For {_lower(named)}, {message}."
        return f"{message[0].upper()}{message[1:]}."
    return f"{named} is not valid."


def _lower(named: str) -> str:
    return named[0].lower() + named[1:]


def service_sentence(error: HubError) -> HubError:
    """A service's error worded for the page (in place: status, headers and field stay): a
    known one replaced, a `field: …` prefix dropped, a full stop at the end."""
    message = error.message
    known = [
        sentence
        for (code, field, word), sentence in SERVICE_SENTENCES.items()
        if (code, field) == (error.code, error.field) and word in message
    ]
    if known:
        message = known[0]
    elif error.field and message.startswith(f"{error.field}: "):
        rest = message.removeprefix(f"{error.field}: ")
        if rest.startswith("at most"):
            rest = f"can be {rest}"
        message = f"{label(error.field)} {rest}" if rest.startswith(("must", "can")) else rest
    if message.startswith(("no ", "the ")):  # not "carol is…": a username keeps its case
        message = message[0].upper() + message[1:]
    if not message.endswith((".", "!", "?")):
        message += "."
    error.message = message
    return error
