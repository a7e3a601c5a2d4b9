"""Boards and board members over HTTP."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import BaseModel

from hub.api.paging import page_from
from hub.api.routing import ApiRoutes, path_id
from hub.api.schemas import MemberQuery, Page, PageQuery
from hub.appkeys import DATABASE, WRITER
from hub.auth.requests import require_viewer
from hub.services import boards, memberships
from hub.services.access import Role
from hub.services.boards import BoardIn
from hub.services.commands import Request, UsernameRef

routes = ApiRoutes(tag="boards")


class BoardOut(BaseModel):
    id: int
    name: str
    description: str
    columns: list[str]
    role: Role | None
    created_at: datetime


class BoardMemberIn(Request):
    username: UsernameRef
    role: Role = "member"


class BoardMemberOut(BaseModel):
    username: str
    display_name: str
    role: Role


@routes.route(
    "GET",
    "/api/v1/boards",
    summary="The boards one is a member of (every board for admins)",
    query=PageQuery,
    response=Page[BoardOut],
)
async def list_boards(request: web.Request, query: PageQuery) -> Page[BoardOut]:
    viewer = await require_viewer(request)
    async with request.app[DATABASE].read() as session:
        items, next_cursor = await boards.list_boards(session, viewer, page_from(request, query))
    return Page[BoardOut](items=[BoardOut.model_validate(i) for i in items], next=next_cursor)


@routes.route(
    "POST",
    "/api/v1/boards",
    summary="Create a board; its creator becomes its owner",
    body=BoardIn,
    response=BoardOut,
    status=201,
)
async def create_board(request: web.Request, body: BoardIn) -> BoardOut:
    viewer = await require_viewer(request)
    data = await request.app[WRITER].run(
        lambda unit: boards.create_board(
            unit, viewer, name=body.name, description=body.description, columns=body.columns
        )
    )
    return BoardOut.model_validate(data)


@routes.route("GET", r"/api/v1/boards/{id:\d+}", summary="One board", response=BoardOut)
async def get_board(request: web.Request) -> BoardOut:
    viewer = await require_viewer(request)
    async with request.app[DATABASE].read() as session:
        data = await boards.get_board(session, viewer, path_id(request))
    return BoardOut.model_validate(data)


@routes.route(
    "GET",
    r"/api/v1/boards/{id:\d+}/members",
    summary="A board's members; `q` keeps those whose username or display name starts with it",
    query=MemberQuery,
    response=Page[BoardMemberOut],
)
async def list_board_members(request: web.Request, query: MemberQuery) -> Page[BoardMemberOut]:
    viewer = await require_viewer(request)
    async with request.app[DATABASE].read() as session:
        items, next_cursor = await boards.list_board_members(
            session, viewer, path_id(request), query.q, page_from(request, query)
        )
    return Page[BoardMemberOut](
        items=[BoardMemberOut.model_validate(i) for i in items], next=next_cursor
    )


@routes.route(
    "POST",
    r"/api/v1/boards/{id:\d+}/members",
    summary="Add a person to a board (board owners and admins)",
    body=BoardMemberIn,
    response=BoardMemberOut,
    status=201,
    errors=(403, 409),
)
async def add_board_member(request: web.Request, body: BoardMemberIn) -> BoardMemberOut:
    viewer = await require_viewer(request)
    data = await request.app[WRITER].run(
        lambda unit: boards.add_board_member(
            unit, viewer, path_id(request), body.username, body.role
        )
    )
    return BoardMemberOut.model_validate(data)


@routes.route(
    "DELETE",
    r"/api/v1/boards/{id:\d+}/members/{username}",
    summary="Take a person off a board and out of its rooms (board owners and admins; "
    "the last owner stays)",
    status=204,
    errors=(403, 409),
)
async def remove_board_member(request: web.Request) -> None:
    viewer = await require_viewer(request)
    await memberships.remove_board_member(
        request.app[WRITER], viewer, path_id(request), request.match_info["username"]
    )
