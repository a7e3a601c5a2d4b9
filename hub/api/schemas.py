"""Request and response models shared by several resources."""

from __future__ import annotations

import re
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from hub.db.models import USERNAME_MAX
from hub.mentions import ROOM_MENTIONS

ItemT = TypeVar("ItemT", bound=BaseModel)

MAX_ID = 2**62
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
Id = Annotated[int, Field(ge=0, le=MAX_ID)]
# A sender's own id for a post, so that a resend after a lost ack is stored once.
ClientId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00]*$")]


class Request(BaseModel):
    """A request body: unknown fields are refused so that typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")


class UserRef(BaseModel):
    username: str
    display_name: str


class Page(BaseModel, Generic[ItemT]):
    """One page of a list; pass `next` back as `after` (or as `before` when paging backwards)."""

    items: list[ItemT]
    next: int | None


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    before: Id | None = None
    after: Id | None = None


class MemberQuery(PageQuery):
    q: Annotated[str, StringConstraints(max_length=USERNAME_MAX)] = ""


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail
