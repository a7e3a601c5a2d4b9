"""The admin pages (/admin/...): every table of the hub a page at a time, creating users and
deleting messages through the same use-cases as the API. Anyone else gets the 404 page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bridges.identities import IdentityIn, add_identity, remove_identity
from hub.appkeys import BRIDGES, DATABASE, PASSWORDS, POSTING, SETTINGS
from hub.auth.sessions import Viewer
from hub.errors import Conflict, HubError, NotFound, invalid_from
from hub.events import WEB_ORIGIN
from hub.services.accounts import UserCreate, create_account
from hub.services.commands import Id
from hub.services.messages import ROOM_MESSAGES
from hub.services.pagination import PageRequest, page_request
from webui import admin_queries as queries
from webui.forms import readable, refuse, text_field
from webui.redirects import local_path
from webui.rendering import Context, Form, Handler, form_action, page, page_id

Query = Callable[[AsyncSession, PageRequest], Awaitable[queries.Listing]]

SECTIONS = (
    ("/admin/", "Overview"),
    ("/admin/users/", "Users"),
    ("/admin/boards/", "Boards"),
    ("/admin/rooms/", "Rooms"),
    ("/admin/messages/", "Messages"),
    ("/admin/notifications/", "Notifications"),
    ("/admin/board-members/", "Board members"),
    ("/admin/room-members/", "Room members"),
    ("/admin/bridges/", "Links and bridges"),
)


def require_admin(viewer: Viewer) -> None:
    """Admin pages do not exist for anyone else (404, like anything one may not see)."""
    if not viewer.is_admin:
        raise NotFound("no such page")


class OlderPage(BaseModel):
    """An admin listing's `?before=`: an id, checked as the API checks its cursors."""

    before: Id | None = None


def older_page(request: web.Request) -> PageRequest:
    """The page `?before=<id>` asks for (the newest without it), HUB_PAGE_SIZE_DEFAULT long."""
    try:
        query = OlderPage.model_validate({"before": request.query.get("before")})
    except ValidationError as error:
        raise invalid_from(error) from None
    size = request.app[SETTINGS].page_size_default
    return page_request(None, query.before, None, default=size, maximum=size, newest_first=True)


async def section(request: web.Request, viewer: Viewer, fetch: Query) -> dict[str, Any]:
    require_admin(viewer)
    async with request.app[DATABASE].read() as session:
        listing = await fetch(session, older_page(request))
    return {
        "sections": SECTIONS,
        "current": request.path,
        "listing": listing,
        "first_page": "before" not in request.query,
        "here": request.path_qs,
    }


def listing_page(template: str, fetch: Query) -> Handler:
    @page(template)
    async def handle(request: web.Request, viewer: Viewer) -> Context:
        return await section(request, viewer, fetch)

    return handle


boards_page = listing_page("admin_boards.html", queries.boards)
rooms_page = listing_page("admin_rooms.html", queries.rooms)
messages_page = listing_page("admin_messages.html", queries.messages)
notifications_page = listing_page("admin_notifications.html", queries.notifications)
board_members_page = listing_page("admin_members.html", queries.board_members)
room_members_page = listing_page("admin_members.html", queries.room_members)


async def bridge_status(request: web.Request) -> list[dict[str, Any]]:
    """Each bridge configured or running: its state, last error and outbox."""
    runtime = request.app[BRIDGES]
    return await runtime.status(request.app[SETTINGS].configured_platforms)


@page("admin_overview.html")
async def overview_page(request: web.Request, viewer: Viewer) -> Context:
    require_admin(viewer)
    async with request.app[DATABASE].read() as session:
        outbox = await queries.outbox_counts(session)
    return {
        "sections": SECTIONS,
        "current": request.path,
        "bridges": await bridge_status(request),
        "outbox": outbox,
    }


IDENTITY_FIELDS = ("username", "platform", "external_id")


@page("admin_bridges.html")
async def bridges_page(request: web.Request, viewer: Viewer) -> Context:
    return await bridges_page_context(request, viewer)


async def bridges_page_context(request: web.Request, viewer: Viewer) -> Context:
    context = await section(request, viewer, queries.links)
    async with request.app[DATABASE].read() as session:
        outbox = await queries.outbox_counts(session)
        identities = await queries.identities(session)
        parked = await queries.parked_deliveries(session)
    return {
        **context,
        "bridges": await bridge_status(request),
        "outbox": outbox,
        "identities": identities,
        "parked": parked,
        "identity_values": dict.fromkeys(IDENTITY_FIELDS, ""),
    }


BRIDGES_TEMPLATE = "admin_bridges.html"


@form_action
async def link_identity_submit(
    request: web.Request, viewer: Viewer, form: Form
) -> web.HTTPSeeOther:
    """Link a platform user to a hub user (the API's admin identity link), then back."""
    require_admin(viewer)
    values = {name: text_field(form, name).strip() for name in IDENTITY_FIELDS}
    try:
        body = IdentityIn.model_validate(values)
        async with request.app[DATABASE].write() as session:
            await add_identity(session, body)
    except (ValidationError, HubError) as error:
        if isinstance(error, HubError) and error.status not in (400, 409):
            raise
        context = {**await bridges_page_context(request, viewer), "identity_values": values}
        problem = readable(error) if isinstance(error, ValidationError) else error
        await refuse(request, viewer, BRIDGES_TEMPLATE, context, problem)
    return web.HTTPSeeOther("/admin/bridges/")


@form_action
async def unlink_identity_submit(
    request: web.Request, viewer: Viewer, _form: Form
) -> web.HTTPSeeOther:
    require_admin(viewer)
    async with request.app[DATABASE].write() as session:
        await remove_identity(session, page_id(request))
    return web.HTTPSeeOther("/admin/bridges/")


@form_action
async def retry_delivery_submit(
    request: web.Request, viewer: Viewer, form: Form
) -> web.HTTPSeeOther:
    """Put a parked delivery back in its channel's queue (the API's retry), then back."""
    require_admin(viewer)
    await request.app[BRIDGES].retry(page_id(request))
    return web.HTTPSeeOther("/admin/bridges/")


USERS_TEMPLATE = "admin_users.html"
NEW_USER = {"username": "", "display_name": "", "is_admin": False}


@page(USERS_TEMPLATE)
async def users_page(request: web.Request, viewer: Viewer) -> Context:
    context = await section(request, viewer, queries.users)
    return {**context, "values": NEW_USER, "created": request.query.get("created") == "1"}


@form_action
async def create_user_submit(request: web.Request, viewer: Viewer, form: Form) -> web.HTTPSeeOther:
    require_admin(viewer)
    values = {
        "username": text_field(form, "username"),
        "display_name": text_field(form, "display_name").strip() or None,
        "password": text_field(form, "password"),
        "is_admin": text_field(form, "is_admin") == "on",
    }
    try:
        new_user = UserCreate.model_validate(values)
        await create_account(request.app[DATABASE], request.app[PASSWORDS], new_user)
    except (ValidationError, Conflict) as error:
        shown = {**values, "display_name": values["display_name"] or "", "password": ""}
        context = {**await section(request, viewer, queries.users), "values": shown}
        problem = readable(error) if isinstance(error, ValidationError) else error
        await refuse(request, viewer, USERS_TEMPLATE, {**context, "created": False}, problem)
    return web.HTTPSeeOther("/admin/users/?created=1")


@form_action
async def delete_message_submit(
    request: web.Request, viewer: Viewer, form: Form
) -> web.HTTPSeeOther:
    """Delete a message as an admin (the API's delete use-case), then back to the list."""
    require_admin(viewer)
    await request.app[POSTING].delete(
        ROOM_MESSAGES, page_id(request), actor=viewer, origin=WEB_ORIGIN
    )
    back = local_path(text_field(form, "back") or "/admin/messages/")
    return web.HTTPSeeOther(back)
