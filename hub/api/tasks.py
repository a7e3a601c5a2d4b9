"""Tasks over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, Field, StringConstraints

from hub.api.paging import page_from
from hub.api.routing import ApiRoutes, path_id
from hub.api.schemas import Page, PageQuery
from hub.appkeys import DATABASE, WRITER
from hub.auth.requests import require_viewer
from hub.db.models import STATUS_MAX, TASK_TITLE_MAX
from hub.services import tasks
from hub.services.boards import Description
from hub.services.commands import NOT_BLANK, Omittable, Request, UsernameRef

routes = ApiRoutes(tag="tasks")

ASSIGNEES_MAX = 50
Title = Annotated[str, StringConstraints(min_length=1, max_length=TASK_TITLE_MAX), NOT_BLANK]
Status = Annotated[str, StringConstraints(max_length=STATUS_MAX)]
Assignees = Annotated[list[UsernameRef], Field(max_length=ASSIGNEES_MAX)]


class TaskIn(Request):
    title: Title
    status: Status | None = None
    assignees: Assignees = []
    description: Description = ""


class TaskPatch(Request):
    """Only the fields sent change; `assignees` replaces the whole list."""

    title: Omittable[Title] = None
    status: Omittable[Status] = None
    assignees: Omittable[Assignees] = None
    description: Omittable[Description] = None


class TaskOut(BaseModel):
    id: int
    board: int
    title: str
    description: str
    status: str
    assignees: list[str]
    created_at: datetime
    updated_at: datetime


@routes.route(
    "GET",
    r"/api/v1/boards/{id:\d+}/tasks",
    summary="A board's tasks, oldest first",
    query=PageQuery,
    response=Page[TaskOut],
)
async def list_tasks(request: web.Request, query: PageQuery) -> Page[TaskOut]:
    viewer = await require_viewer(request)
    async with request.app[DATABASE].read() as session:
        items, next_cursor = await tasks.list_tasks(
            session, viewer, path_id(request), page_from(request, query)
        )
    return Page[TaskOut](items=[TaskOut.model_validate(i) for i in items], next=next_cursor)


@routes.route(
    "POST",
    r"/api/v1/boards/{id:\d+}/tasks",
    summary="Create a task (in the board's first column unless `status` names another)",
    body=TaskIn,
    response=TaskOut,
    status=201,
)
async def create_task(request: web.Request, body: TaskIn) -> TaskOut:
    viewer = await require_viewer(request)
    data = await request.app[WRITER].run(
        lambda unit: tasks.create_task(
            unit,
            viewer,
            path_id(request),
            title=body.title,
            status=body.status,
            assignees=body.assignees,
            description=body.description,
        )
    )
    return TaskOut.model_validate(data)


@routes.route("GET", r"/api/v1/tasks/{id:\d+}", summary="One task", response=TaskOut)
async def get_task(request: web.Request) -> TaskOut:
    viewer = await require_viewer(request)
    async with request.app[DATABASE].read() as session:
        data = await tasks.get_task(session, viewer, path_id(request))
    return TaskOut.model_validate(data)


@routes.route(
    "PATCH",
    r"/api/v1/tasks/{id:\d+}",
    summary="Change a task's title, status, assignees or description",
    body=TaskPatch,
    response=TaskOut,
)
async def patch_task(request: web.Request, body: TaskPatch) -> TaskOut:
    viewer = await require_viewer(request)
    data = await request.app[WRITER].run(
        lambda unit: tasks.update_task(
            unit,
            viewer,
            path_id(request),
            title=body.title,
            status=body.status,
            assignees=body.assignees,
            description=body.description,
        )
    )
    return TaskOut.model_validate(data)
