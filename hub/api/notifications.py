"""A person's notifications: list, unread count, mark read."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer

from hub.api.paging import page_from
from hub.api.routing import ApiRoutes, path_id
from hub.api.schemas import PageQuery, UserRef
from hub.appkeys import DATABASE, WRITER
from hub.auth.requests import require_viewer
from hub.services import notifications
from hub.services.commands import Omittable

routes = ApiRoutes(tag="notifications")


class NotificationQuery(PageQuery):
    unread: Omittable[Literal["0", "1", "true", "false"]] = None


class TargetOut(BaseModel):
    type: Literal["message", "comment", "room", "board"]
    id: int
    room: int | None = None
    task: int | None = None
    board: int | None = None
    url: str

    @model_serializer(mode="wrap")
    def _only_present_keys(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The contract names only the key that applies: room, task or board."""
        return {key: value for key, value in handler(self).items() if value is not None}


class PlaceOut(BaseModel):
    """The names of what the notification is about: its room or task, and their board."""

    board: str | None = None
    room: str | None = None
    task: str | None = None

    @model_serializer(mode="wrap")
    def _only_present_keys(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {key: value for key, value in handler(self).items() if value is not None}


class NotificationOut(BaseModel):
    id: int
    kind: str
    actor: UserRef | None
    target: TargetOut
    place: PlaceOut
    snippet: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next: int | None


class CountOut(BaseModel):
    count: int


@routes.route(
    "GET",
    "/api/v1/notifications",
    summary="One's notifications (newest page by default; unread=1 for unread only)",
    query=NotificationQuery,
    response=NotificationPage,
)
async def list_notifications(request: web.Request, query: NotificationQuery) -> NotificationPage:
    viewer = await require_viewer(request)
    page = page_from(request, query, newest_first=True)
    async with request.app[DATABASE].read() as session:
        items, next_cursor = await notifications.list_notifications(
            session, viewer, page, unread_only=query.unread in ("1", "true")
        )
    return NotificationPage(
        items=[NotificationOut.model_validate(item) for item in items], next=next_cursor
    )


@routes.route(
    "GET",
    "/api/v1/notifications/unread-count",
    summary="How many notifications are unread",
    response=CountOut,
)
async def unread_count(request: web.Request) -> CountOut:
    viewer = await require_viewer(request)
    async with request.app[DATABASE].read() as session:
        return CountOut(count=await notifications.unread_count(session, viewer))


@routes.route(
    "POST",
    r"/api/v1/notifications/{id:\d+}/read",
    summary="Mark one notification read",
    response=NotificationOut,
)
async def mark_read(request: web.Request) -> NotificationOut:
    viewer = await require_viewer(request)
    data = await request.app[WRITER].run(
        lambda unit: notifications.mark_read(unit, viewer, path_id(request))
    )
    return NotificationOut.model_validate(data)


@routes.route(
    "POST",
    "/api/v1/notifications/read-all",
    summary="Mark every notification read; the count marked",
    response=CountOut,
)
async def mark_all_read(request: web.Request) -> CountOut:
    viewer = await require_viewer(request)
    count = await request.app[WRITER].run(lambda unit: notifications.mark_all_read(unit, viewer))
    return CountOut(count=count)
