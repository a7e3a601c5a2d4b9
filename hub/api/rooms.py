"""Chat rooms and room members over HTTP."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import BaseModel

from hub.api.paging import page_from
from hub.api.routing import ApiRoutes, path_id
from hub.api.schemas import MemberQuery, Page, PageQuery
from hub.appkeys import DATABASE, WRITER
from hub.auth.requests import require_viewer
from hub.services import memberships, rooms
from hub.services.commands import Request, UsernameRef
from hub.services.rooms import RoomIn

routes = ApiRoutes(tag="rooms")


class RoomOut(BaseModel):
    id: int
    board: int
    name: str
    description: str
    created_at: datetime


class RoomMemberIn(Request):
    username: UsernameRef


class RoomMemberOut(BaseModel):
    username: str
    display_name: str


@routes.route(
    "GET",
    r"/api/v1/boards/{id:\d+}/rooms",
    summary="The board's rooms one is a member of (all of them for admins)",
    query=PageQuery,
    response=Page[RoomOut],
)
async def list_rooms(request: web.Request, query: PageQuery) -> Page[RoomOut]:
    viewer = await require_viewer(request)
    async with request.app[DATABASE].read() as session:
        items, next_cursor = await rooms.list_rooms(
            session, viewer, path_id(request), page_from(request, query)
        )
    return Page[RoomOut](items=[RoomOut.model_validate(i) for i in items], next=next_cursor)


@routes.route(
    "POST",
    r"/api/v1/boards/{id:\d+}/rooms",
    summary="Create a room; its creator and the board members named in `members` join it",
    body=RoomIn,
    response=RoomOut,
    status=201,
    errors=(409,),
)
async def create_room(request: web.Request, body: RoomIn) -> RoomOut:
    viewer = await require_viewer(request)
    data = await request.app[WRITER].run(
        lambda unit: rooms.create_room(
            unit,
            viewer,
            path_id(request),
            name=body.name,
            description=body.description,
            members=body.members,
        )
    )
    return RoomOut.model_validate(data)


@routes.route("GET", r"/api/v1/rooms/{id:\d+}", summary="One room", response=RoomOut)
async def get_room(request: web.Request) -> RoomOut:
    viewer = await require_viewer(request)
    async with request.app[DATABASE].read() as session:
        data = await rooms.get_room(session, viewer, path_id(request))
    return RoomOut.model_validate(data)


@routes.route(
    "GET",
    r"/api/v1/rooms/{id:\d+}/members",
    summary="A room's members; `q` keeps those whose username or display name starts with it",
    query=MemberQuery,
    response=Page[RoomMemberOut],
)
async def list_room_members(request: web.Request, query: MemberQuery) -> Page[RoomMemberOut]:
    viewer = await require_viewer(request)
    async with request.app[DATABASE].read() as session:
        items, next_cursor = await rooms.list_room_members(
            session, viewer, path_id(request), query.q, page_from(request, query)
        )
    return Page[RoomMemberOut](
        items=[RoomMemberOut.model_validate(i) for i in items], next=next_cursor
    )


@routes.route(
    "POST",
    r"/api/v1/rooms/{id:\d+}/members",
    summary="Add a board member to a room (its members and admins)",
    body=RoomMemberIn,
    response=RoomMemberOut,
    status=201,
    errors=(403, 409),
)
async def add_room_member(request: web.Request, body: RoomMemberIn) -> RoomMemberOut:
    viewer = await require_viewer(request)
    data = await request.app[WRITER].run(
        lambda unit: rooms.add_room_member(unit, viewer, path_id(request), body.username)
    )
    return RoomMemberOut.model_validate(data)


@routes.route(
    "DELETE",
    r"/api/v1/rooms/{id:\d+}/members/{username}",
    summary="Take a person out of a room (board owners and admins, or oneself: leave)",
    status=204,
    errors=(403,),
)
async def remove_room_member(request: web.Request) -> None:
    viewer = await require_viewer(request)
    await memberships.remove_room_member(
        request.app[WRITER], viewer, path_id(request), request.match_info["username"]
    )
