"""The create-room form: a name, a description and a member picker of the board's members;
the room is made by the same use-case as POST /api/v1/boards/{id}/rooms, with its rules."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from hub.appkeys import DATABASE, WRITER
from hub.auth.sessions import Viewer
from hub.errors import Conflict, Invalid
from hub.services.boards import get_board, list_board_members
from hub.services.rooms import RoomIn, create_room
from webui.forms import list_field, readable, refuse, text_field
from webui.pages import every_item
from webui.rendering import Context, Form, form_action, page, page_id

TEMPLATE = "room_create.html"
FIELD_LABELS = {"name": "The room name"}


async def form_context(
    request: web.Request, viewer: Viewer, board_id: int, values: dict[str, Any]
) -> Context:
    """The board, its members for the picker, and the form's values."""
    async with request.app[DATABASE].read() as session:
        board = await get_board(session, viewer, board_id)
        members = await every_item(
            request, lambda page: list_board_members(session, viewer, board_id, "", page)
        )
    return {"board": board, "members": members, "values": values}


@page(TEMPLATE)
async def create_room_page(request: web.Request, viewer: Viewer) -> Context:
    values = {"name": "", "description": "", "members": [viewer.username]}
    return await form_context(request, viewer, page_id(request, "board_id"), values)


@form_action
async def create_room_submit(request: web.Request, viewer: Viewer, form: Form) -> web.HTTPSeeOther:
    board_id = page_id(request, "board_id")
    values = {
        "name": text_field(form, "name"),
        "description": text_field(form, "description"),
        "members": list_field(form, "members"),
    }
    try:
        room_in = RoomIn.model_validate(values)
        room = await request.app[WRITER].run(
            lambda unit: create_room(
                unit,
                viewer,
                board_id,
                name=room_in.name,
                description=room_in.description,
                members=room_in.members,
            )
        )
    except ValidationError as error:
        context = await form_context(request, viewer, board_id, values)
        await refuse(request, viewer, TEMPLATE, context, readable(error, FIELD_LABELS))
    except (Invalid, Conflict) as error:
        context = await form_context(request, viewer, board_id, values)
        await refuse(request, viewer, TEMPLATE, context, error)
    return web.HTTPSeeOther(f"/messaging/room/{room['id']}/")
