"""What the models of commands (the input a use-case takes from a client, as a request body or
a dashboard form) share: unknown fields are refused, and the field types of usernames and ids."""

from __future__ import annotations

import re
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from hub.db.models import USERNAME_MAX
from hub.mentions import ROOM_MENTIONS
from hub.services.pagination import MAX_ID

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,32}")


def _check_username(value: str) -> str:
    if not USERNAME_PATTERN.fullmatch(value):
        raise ValueError("use 1-32 letters, digits, '_', '.' or '-'")
    if value[-1] in ".-":
        raise ValueError("must not end with '.' or '-' (a mention would stop before it)")
    if value.lower() in ROOM_MENTIONS:
        raise ValueError(f"{value!r} is reserved for mentions")
    return value


Username = Annotated[
    str, StringConstraints(max_length=USERNAME_MAX), AfterValidator(_check_username)
]
# A reference to an existing user: any spelling, matched case-insensitively.
UsernameRef = Annotated[str, StringConstraints(min_length=1, max_length=USERNAME_MAX)]
Id = Annotated[int, Ge(0), Le(MAX_ID)]


class Request(BaseModel):
    """A request body: unknown fields are refused so that typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")
