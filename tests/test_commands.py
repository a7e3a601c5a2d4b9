"""The field types of commands say in their JSON schema exactly what their validation enforces:
for each pattern, a value matches it if and only if the server accepts it."""

from __future__ import annotations

import re
import sys
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, StringConstraints, ValidationError

from hub.api.tasks import TaskPatch
from hub.services.accounts import TIME_ZONES, MePatch
from hub.services.commands import (
    BLANK,
    NOT_BLANK,
    NOT_BLANK_PATTERN,
    USERNAME_SCHEMA_PATTERN,
    Username,
)


class Named(BaseModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=10), NOT_BLANK]


class Account(BaseModel):
    username: Username


def accepts(model: type[BaseModel], **fields: Any) -> bool:
    try:
        model.model_validate(fields)
    except ValidationError:
        return False
    return True


def test_blank_is_what_str_strip_removes() -> None:
    assert "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()) == BLANK
    assert all(not character.strip() for character in BLANK)


NAMES = [
    "x",
    " x ",
    "\u3000x",
    "\x1c\x1dx",
    "x\x85",
    "\u200b",  # zero-width space: not whitespace to Python, so not blank
    "\ufeff",  # byte order mark: neither
    "a b",
    *BLANK,  # each whitespace character alone
    "  \t\n ",
    "\x1c\x1d\x1e\x1f",  # Python's str.strip() removes these; pydantic's strip did not
    "",
]


@pytest.mark.parametrize("value", NAMES)
def test_not_blank_pattern_matches_what_is_accepted(value: str) -> None:
    matches = re.fullmatch(NOT_BLANK_PATTERN, value) is not None
    assert matches == accepts(Named, name=value), repr(value)


def test_a_name_is_stored_stripped_and_its_length_counts_what_was_sent() -> None:
    assert Named(name="\u3000 Plan \x1c").name == "Plan"
    assert not accepts(Named, name=" " + "x" * 10)  # as the schema's maxLength counts


USERNAMES = [
    "alice",
    "Bob_2",
    "a.b-c",
    "x" * 32,
    "x" * 33,
    "",
    "a.",
    "a-",
    ".a",
    "-",
    "_",
    "room",
    "ROOM",
    "Here",
    "everyone",
    "channel",
    "rooms",
    "everyone2",
    "al ice",
    "al\x00ice",
    "ålice",
    "alice\n",
]


@pytest.mark.parametrize("value", USERNAMES)
def test_username_pattern_matches_what_is_accepted(value: str) -> None:
    matches = re.fullmatch(USERNAME_SCHEMA_PATTERN, value) is not None
    assert matches == accepts(Account, username=value), repr(value)


def test_time_zones_listed_are_those_accepted() -> None:
    (listed,) = [
        branch["enum"]
        for branch in MePatch.model_json_schema()["properties"]["time_zone"]["anyOf"]
        if "enum" in branch
    ]
    assert listed == list(TIME_ZONES) and "Europe/Oslo" in listed and "UTC" in listed
    assert all(accepts(MePatch, time_zone=zone) for zone in ("UTC", "Europe/Oslo"))
    assert not any(accepts(MePatch, time_zone=zone) for zone in ("Mars/Olympus", "utc", ""))


def test_fields_that_refuse_null_are_not_nullable_in_the_schema() -> None:
    properties = TaskPatch.model_json_schema()["properties"]
    for name in ("title", "status", "assignees", "description"):
        assert "anyOf" not in properties[name] and "default" not in properties[name], name
        assert not accepts(TaskPatch, **{name: None}), name
    assert accepts(TaskPatch)
