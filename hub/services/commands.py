"""What the models of commands (the input a use-case takes from a client, as a request body or
a dashboard form) share: unknown fields are refused, and the field types of usernames, ids and
text, each declared so that its JSON schema says what its validation enforces."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from annotated_types import Ge, Le
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from hub.db.models import USERNAME_MAX
from hub.mentions import ROOM_MENTIONS
from hub.services.pagination import MAX_ID

FieldT = TypeVar("FieldT")


@dataclass(frozen=True)
class SchemaPattern:
    """Puts `pattern` (ECMA-262, as JSON Schema has it) into a field's JSON schema: a rule that
    a validator beside it, or the use-case, enforces with a clearer message than pydantic's
    "should match pattern"."""

    pattern: str

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(core_schema), "pattern": self.pattern}


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise ValueError("leave the field out to keep it; null is not a value")
    return value


def _without_null(schema: dict[str, Any]) -> None:
    branches = [branch for branch in schema.pop("anyOf", []) if branch != {"type": "null"}]
    if len(branches) == 1:
        schema.update(branches[0])
    elif branches:
        schema["anyOf"] = branches
    if "default" in schema and schema["default"] is None:
        del schema["default"]


# A field that may be left out (it is None then) but is never null when sent.
Omittable = Annotated[
    FieldT | None, BeforeValidator(_refuse_null), Field(json_schema_extra=_without_null)
]

# What str.strip() removes: every character Python calls whitespace (none is above U+3000).
BLANK = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())


def _class_of(characters: str) -> str:
    return "".join(f"\\u{ord(character):04x}" for character in characters)


NOT_BLANK_PATTERN = rf"^[^\u0000]*[^\u0000{_class_of(BLANK)}][^\u0000]*$"


class _NotBlank:
    """Stripped of surrounding whitespace (as str.strip() does) and then not empty; its JSON
    schema says so with NOT_BLANK_PATTERN. Put it after the length constraints: they count
    the text as sent, as the schema's maxLength does."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), "pattern": NOT_BLANK_PATTERN}

    @staticmethod
    def _check(value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value


NOT_BLANK = _NotBlank()
# Text stored without surrounding whitespace (a length constraint before it counts what was sent).
TRIMMED = AfterValidator(str.strip)


USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_RESERVED = "|".join(
    "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in name)
    for name in sorted(ROOM_MENTIONS)
)
# The whole rule of `_check_username` as one pattern, for the JSON schema.
USERNAME_SCHEMA_PATTERN = (
    rf"^(?!(?:{_RESERVED})$)[A-Za-z0-9_.-]{{0,{USERNAME_MAX - 1}}}[A-Za-z0-9_]$"
)


def _check_username(value: str) -> str:
    if not USERNAME_PATTERN.fullmatch(value):
        raise ValueError("use 1-32 letters, digits, '_', '.' or '-'")
    if value[-1] in ".-":
        raise ValueError("must not end with '.' or '-' (a mention would stop before it)")
    if value.lower() in ROOM_MENTIONS:
        raise ValueError(f"{value!r} is reserved for mentions")
    return value


Username = Annotated[
    str,
    StringConstraints(max_length=USERNAME_MAX),
    AfterValidator(_check_username),
    SchemaPattern(USERNAME_SCHEMA_PATTERN),
]
# A reference to an existing user: any spelling, matched case-insensitively.
UsernameRef = Annotated[str, StringConstraints(min_length=1, max_length=USERNAME_MAX)]
Id = Annotated[int, Ge(0), Le(MAX_ID)]


class Request(BaseModel):
    """A request body: unknown fields are refused so that typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")
