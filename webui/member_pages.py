"""Who is on a board or in a room, and the forms that add and remove people (issue 13), by
the same use-cases as the API. Without JavaScript the forms post here and come back; a
refused one shows its members page again with the error as a sentence and what was typed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from hub.appkeys import DATABASE, WRITER
from hub.auth.sessions import Viewer
from hub.db.event_log import last_seq
from hub.errors import HubError
from hub.events import board_stream
from hub.services.boards import add_board_member, get_board, list_board_members
from hub.services.memberships import remove_board_member, remove_room_member
from hub.services.rooms import add_room_member, get_room, list_room_members
from hub.services.unit_of_work import Job
from webui.forms import refuse, text_field
from webui.pages import every_item
from webui.rendering import Context, Form, form_action, page, page_id

TEMPLATE = "members.html"


def sentence(error: HubError, username: str) -> HubError:
    """The refusal in words for a person: no field prefix, a full stop."""
    text = error.message.removeprefix(f"{error.field}: ") if error.field else error.message
    if text.startswith("no such user"):
        text = f"There is nobody called {username}"
    elif not text.lower().startswith(username.lower()):
        text = text[:1].upper() + text[1:]
    error.message = text if text.endswith(".") else f"{text}."
    return error


async def board_context(request: web.Request, viewer: Viewer, board_id: int) -> dict[str, Any]:
    async with request.app[DATABASE].read() as session:
        board = await get_board(session, viewer, board_id)
        members = await every_item(
            request, lambda page: list_board_members(session, viewer, board_id, "", page)
        )
        seq = await last_seq(session, board_stream(board_id))
    return {"scope": "board", "board": board, "room": None, "members": members, "board_seq": seq}


async def room_context(request: web.Request, viewer: Viewer, room_id: int) -> dict[str, Any]:
    async with request.app[DATABASE].read() as session:
        room = await get_room(session, viewer, room_id)
        board = await get_board(session, viewer, room["board"])
        members = await every_item(
            request, lambda page: list_room_members(session, viewer, room_id, "", page)
        )
        seq = await last_seq(session, board_stream(board["id"]))
    return {"scope": "room", "board": board, "room": room, "members": members, "board_seq": seq}


@page(TEMPLATE)
async def board_members_page(request: web.Request, viewer: Viewer) -> Context:
    return {**await board_context(request, viewer, page_id(request)), "typed": ""}


@page(TEMPLATE)
async def room_members_page(request: web.Request, viewer: Viewer) -> Context:
    return {**await room_context(request, viewer, page_id(request)), "typed": ""}


@form_action
async def add_board_member_submit(
    request: web.Request, viewer: Viewer, form: Form
) -> web.HTTPSeeOther:
    board_id, username = page_id(request), text_field(form, "username").strip()
    await _add_or_refuse(
        request, viewer, username,
        lambda unit: add_board_member(unit, viewer, board_id, username),
        lambda: board_context(request, viewer, board_id),
    )  # fmt: skip
    return web.HTTPSeeOther(f"/boards/{board_id}/members/")


@form_action
async def add_room_member_submit(
    request: web.Request, viewer: Viewer, form: Form
) -> web.HTTPSeeOther:
    room_id, username = page_id(request), text_field(form, "username").strip()
    await _add_or_refuse(
        request, viewer, username,
        lambda unit: add_room_member(unit, viewer, room_id, username),
        lambda: room_context(request, viewer, room_id),
    )  # fmt: skip
    return web.HTTPSeeOther(f"/messaging/room/{room_id}/")


async def _add_or_refuse(
    request: web.Request,
    viewer: Viewer,
    username: str,
    add: Job[Any],
    context_of: Callable[[], Awaitable[dict[str, Any]]],
) -> None:
    """Run an add; a refusal the person can fix (a name unknown, not on the board, already
    there) shows the members page again with the sentence and the typed name."""
    try:
        await request.app[WRITER].run(add)
    except HubError as error:
        if error.status >= 404 and error.status != 409:
            raise
        context = {**await context_of(), "typed": username}
        await refuse(request, viewer, TEMPLATE, context, sentence(error, username))


@form_action
async def remove_board_member_submit(
    request: web.Request, viewer: Viewer, _form: Form
) -> web.HTTPSeeOther:
    board_id = page_id(request)
    await remove_board_member(request.app[WRITER], viewer, board_id, request.match_info["name"])
    return web.HTTPSeeOther(f"/boards/{board_id}/members/")


@form_action
async def remove_room_member_submit(
    request: web.Request, viewer: Viewer, _form: Form
) -> web.HTTPSeeOther:
    room_id, username = page_id(request), request.match_info["name"]
    await remove_room_member(request.app[WRITER], viewer, room_id, username)
    if username.lower() == viewer.username.lower():  # left: the room is no longer theirs
        return web.HTTPSeeOther("/")
    return web.HTTPSeeOther(f"/messaging/room/{room_id}/")
