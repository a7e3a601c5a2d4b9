"""Response models and list queries shared by several resources."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from annotated_types import Ge, Le
from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints

from hub.db.models import USERNAME_MAX
from hub.services.commands import Id, Omittable
from hub.services.pagination import MAX_ID

ItemT = TypeVar("ItemT", bound=BaseModel)


class UserRef(BaseModel):
    username: str
    display_name: str


class Page(BaseModel, Generic[ItemT]):
    """One page of a list; pass `next` back as `after` (or as `before` when paging backwards)."""

    items: list[ItemT]
    next: int | None


def _digits(value: object) -> object:
    """A whole number in a query as the schema's `integer` has it: ASCII digits only (not
    "+5", " 5", "1_000" nor "0.0", which pydantic would read as numbers)."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("must be a whole number, in digits")
    return value


_IN_DIGITS = BeforeValidator(_digits)


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: Omittable[Annotated[int, Ge(1), Le(MAX_ID), _IN_DIGITS]] = None
    before: Omittable[Annotated[Id, _IN_DIGITS]] = None
    after: Omittable[Annotated[Id, _IN_DIGITS]] = None


class MemberQuery(PageQuery):
    q: Annotated[str, StringConstraints(max_length=USERNAME_MAX)] = ""


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail
