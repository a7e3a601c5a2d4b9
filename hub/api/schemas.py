"""Response models and list queries shared by several resources."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hub.db.models import USERNAME_MAX
from hub.services.commands import Id
from hub.services.pagination import MAX_ID

ItemT = TypeVar("ItemT", bound=BaseModel)


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
