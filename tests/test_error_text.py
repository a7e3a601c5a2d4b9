"""Form errors in sentences (webui.error_text): pydantic's problems with the hub's own models,
and the services' errors, as the dashboard's pages show them."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from hub.errors import Invalid, TooLarge
from hub.services.accounts import MePatch, UserCreate
from hub.services.rooms import RoomIn
from webui.error_text import service_sentence, validation_sentence


def refusal(model: type[BaseModel], **values: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(values)
    return caught.value


@pytest.mark.parametrize(
    ("model", "values", "field", "sentence"),
    [
        (
            MePatch,
            {"password": "short", "current_password": "x"},
            "password",
            "The password must be at least 8 characters long.",
        ),
        (MePatch, {"display_name": ""}, "display_name", "The display name must not be empty."),
        (MePatch, {"display_name": "   "}, "display_name", "The display name must not be blank."),
        (
            MePatch,
            {"display_name": "x" * 65},
            "display_name",
            "The display name can be at most 64 characters long.",
        ),
        (
            MePatch,
            {"time_zone": "Mars/Olympus"},
            "time_zone",
            "Choose a time zone from the list (unknown time zone 'Mars/Olympus').",
        ),
        (
            MePatch,
            {"preferences": {"digest_time": "25:00"}},
            "preferences.digest_time",
            "The digest time must be a time like 09:00.",
        ),
        (
            MePatch,
            {"preferences": {"digest": "yearly"}},
            "preferences.digest",
            "Choose the digest from the list.",
        ),
        (
            MePatch,
            {"preferences": {"email": "no at sign"}},
            "preferences.email",
            "The e-mail address does not look like an e-mail address.",
        ),
        (RoomIn, {}, "name", "The name is needed."),
        (
            UserCreate,
            {"username": "bad name", "password": "long enough"},
            "username",
            "For the username, use 1-32 letters, digits, '_', '.' or '-'.",
        ),
        (
            UserCreate,
            {"username": "room", "password": "long enough"},
            "username",
            "'room' is reserved for mentions.",
        ),
    ],
)
def test_validation_problems_read_as_sentences(
    model: type[BaseModel], values: dict[str, Any], field: str, sentence: str
) -> None:
    worded = validation_sentence(refusal(model, **values))
    assert (worded.message, worded.field, worded.status) == (sentence, field, 400)


def test_a_form_names_its_own_fields() -> None:
    worded = validation_sentence(refusal(RoomIn, name="x" * 81), {"name": "The room name"})
    assert worded.message == "The room name can be at most 80 characters long."


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        (
            Invalid("current_password is wrong", field="current_password"),
            "The current password is wrong.",
        ),
        (
            Invalid("current_password: needed to change the password", field="current_password"),
            "Enter your current password to change it.",
        ),
        (Invalid("body: must not be empty", field="body"), "A message must not be empty."),
        (Invalid("members: no such user: zed", field="members"), "No such user: zed."),
        (
            Invalid("carol is not a member of this board", field="members"),
            "carol is not a member of this board.",
        ),
        (Invalid("limit: must be at most 200", field="limit"), "The limit must be at most 200."),
        (Invalid("the username 'bo' is taken", field="username"), "The username 'bo' is taken."),
    ],
)
def test_service_errors_read_as_sentences(error: Invalid, sentence: str) -> None:
    field = error.field
    worded = service_sentence(error)
    assert (worded.message, worded.field, worded.code) == (sentence, field, "invalid")


def test_the_kind_of_error_is_kept() -> None:
    worded = service_sentence(TooLarge("body: at most 10 bytes", field="body"))
    assert isinstance(worded, TooLarge) and worded.status == 413
    assert worded.message == "A message can be at most 10 bytes."
