"""Bridge administration over HTTP (admins only): links, identities, bridge status and the
deliveries the outbox holds. A link made or removed here works at once, without a restart."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from bridges.identities import IdentityIn, add_identity, list_identities, remove_identity
from bridges.links import Link, LinkIn, create_link, delete_link
from hub.api.paging import page_from
from hub.api.routing import ApiRoutes, path_id
from hub.api.schemas import Page, PageQuery
from hub.appkeys import BRIDGES, DATABASE, SETTINGS
from hub.db.models import BridgeLink, OutboxItem
from hub.db.types import json_bytes
from hub.services.pagination import fetch_page

routes = ApiRoutes(tag="admin")


class LinkOut(BaseModel):
    id: int
    room: int | None = None
    board: int | None = None
    platform: str
    channel: str
    mode: str


class IdentityOut(BaseModel):
    id: int
    username: str
    platform: str
    external_id: str


class BridgeOut(BaseModel):
    platform: str
    state: Literal["connecting", "connected", "reconnecting", "bad_credentials", "stopped"]
    last_error: str | None
    outbox_depth: int
    oldest_pending_s: float
    failed: int


class BridgeList(BaseModel):
    items: list[BridgeOut]


class DeliveryOut(BaseModel):
    id: int
    platform: str
    channel: str
    state: Literal["pending", "failed"]
    attempts: int
    last_error: str | None
    created_at: datetime


class DeliveryQuery(PageQuery):
    model_config = ConfigDict(extra="ignore")

    state: Literal["pending", "failed"] = "pending"


def _json(data: object, *, status: int = 200) -> web.Response:
    """A link's JSON names only its side ("room" or "board"), which a response model with
    both fields optional would send as null."""
    return web.Response(body=json_bytes(data), status=status, content_type="application/json")


@routes.route(
    "GET", "/api/v1/admin/links", summary="Every bridge link", query=PageQuery,
    response=Page[LinkOut], admin=True,
)  # fmt: skip
async def list_links(request: web.Request, query: PageQuery) -> web.Response:
    async with request.app[DATABASE].read() as session:
        rows, next_id = await fetch_page(
            session, select(BridgeLink), BridgeLink.id, page_from(request, query)
        )
    return _json({"items": [Link.of(row).json() for (row,) in rows], "next": next_id})


@routes.route(
    "POST", "/api/v1/admin/links",
    summary="Link a room (or a board's task threads) to a platform channel; works at once",
    body=LinkIn, response=LinkOut, status=201, admin=True, errors=(409,),
)  # fmt: skip
async def add_link(request: web.Request, body: LinkIn) -> web.Response:
    async with request.app[DATABASE].write() as session:
        link = await create_link(session, body)
    await request.app[BRIDGES].reload_links()
    return _json(link.json(), status=201)


@routes.route(
    "DELETE", r"/api/v1/admin/links/{id:\d+}", summary="Remove a bridge link; works at once",
    admin=True, status=204,
)  # fmt: skip
async def remove_link(request: web.Request) -> None:
    async with request.app[DATABASE].write() as session:
        await delete_link(session, path_id(request))
    await request.app[BRIDGES].reload_links()


@routes.route(
    "GET", "/api/v1/admin/identities", summary="Every linked platform identity",
    query=PageQuery, response=Page[IdentityOut], admin=True,
)  # fmt: skip
async def identities(request: web.Request, query: PageQuery) -> Page[IdentityOut]:
    async with request.app[DATABASE].read() as session:
        items, next_id = await list_identities(session, page_from(request, query))
    return Page[IdentityOut](items=[IdentityOut.model_validate(i) for i in items], next=next_id)


@routes.route(
    "POST", "/api/v1/admin/identities", summary="Link a platform user to a hub user",
    body=IdentityIn, response=IdentityOut, status=201, admin=True, errors=(409,),
)  # fmt: skip
async def link_identity(request: web.Request, body: IdentityIn) -> IdentityOut:
    async with request.app[DATABASE].write() as session:
        data = await add_identity(session, body)
    return IdentityOut.model_validate(data)


@routes.route(
    "DELETE", r"/api/v1/admin/identities/{id:\d+}", summary="Unlink a platform identity",
    admin=True, status=204,
)  # fmt: skip
async def unlink_identity(request: web.Request) -> None:
    async with request.app[DATABASE].write() as session:
        await remove_identity(session, path_id(request))


@routes.route(
    "GET", "/api/v1/admin/bridges",
    summary="Each configured bridge: state, last error, outbox depth, oldest pending age",
    response=BridgeList, admin=True,
)  # fmt: skip
async def bridges(request: web.Request) -> BridgeList:
    configured = request.app[SETTINGS].configured_platforms
    items = await request.app[BRIDGES].status(configured)
    return BridgeList(items=[BridgeOut.model_validate(i) for i in items])


@routes.route(
    "GET", "/api/v1/admin/deliveries", summary="Deliveries waiting (pending) or parked (failed)",
    query=DeliveryQuery, response=Page[DeliveryOut], admin=True,
)  # fmt: skip
async def deliveries(request: web.Request, query: DeliveryQuery) -> Page[DeliveryOut]:
    statement = select(OutboxItem).where(OutboxItem.state == query.state)
    async with request.app[DATABASE].read() as session:
        rows, next_id = await fetch_page(
            session, statement, OutboxItem.id, page_from(request, query)
        )
    items = [
        DeliveryOut(
            id=row.id,
            platform=row.platform,
            channel=row.destination,
            state=query.state,
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
        )
        for (row,) in rows
    ]
    return Page[DeliveryOut](items=items, next=next_id)


@routes.route(
    "POST", r"/api/v1/admin/deliveries/{id:\d+}/retry",
    summary="Put a parked delivery back in its channel's queue",
    admin=True, status=204,
)  # fmt: skip
async def retry_delivery(request: web.Request) -> None:
    await request.app[BRIDGES].retry(path_id(request))
