"""The dashboard's pages (DESIGN §9). Every read goes through the services, which decide who
may see what; a page only arranges what they return."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import select

from hub.appkeys import DATABASE, POSTING, SETTINGS, WRITER
from hub.auth.sessions import Viewer
from hub.db.event_log import last_seq
from hub.db.models import RoomMember
from hub.errors import Invalid
from hub.events import WEB_ORIGIN, board_stream
from hub.services.boards import BoardIn, create_board, get_board, list_boards
from hub.services.comments import TASK_COMMENTS
from hub.services.messages import ROOM_MESSAGES
from hub.services.notifications import list_notifications, mark_all_read
from hub.services.pagination import PageRequest, page_request
from hub.services.post_reads import history
from hub.services.reading import room_unread_count
from hub.services.rooms import get_room, list_room_members, list_rooms
from hub.services.tasks import get_task, list_tasks
from hub.services.threads import Thread
from hub.services.users import users_by_names
from webui.badges import comment_counts, unread_mentions, unread_messages
from webui.forms import text_field
from webui.reading import room_seqs
from webui.rendering import Context, Form, Handler, form_action, page, page_id

Items = list[dict[str, Any]]
Fetch = Callable[[PageRequest], Awaitable[tuple[Items, int | None]]]


async def every_item(request: web.Request, fetch: Fetch) -> Items:
    """All items of a paginated service list, a page of the largest size at a time."""
    size = request.app[SETTINGS].page_size_max
    items: Items = []
    after = None
    while True:
        batch, after = await fetch(PageRequest(limit=size, after=after))
        items += batch
        if after is None:
            return items


def newest_page(request: web.Request) -> PageRequest:
    settings = request.app[SETTINGS]
    return page_request(
        None,
        None,
        None,
        default=settings.page_size_default,
        maximum=settings.page_size_max,
        newest_first=True,
    )


@page("boards.html")
async def boards_page(request: web.Request, viewer: Viewer) -> Context:
    async with request.app[DATABASE].read() as session:
        boards = await every_item(request, lambda page: list_boards(session, viewer, page))
    return {"boards": boards}


@form_action
async def create_board_submit(request: web.Request, viewer: Viewer, form: Form) -> web.HTTPSeeOther:
    try:
        board_in = BoardIn(name=text_field(form, "name"))
    except ValidationError:
        raise Invalid("A board needs a name (at most 200 characters).", field="name") from None
    board = await request.app[WRITER].run(
        lambda unit: create_board(unit, viewer, name=board_in.name, columns=board_in.columns)
    )
    return web.HTTPSeeOther(f"/boards/{board['id']}/")


@page("board.html")
async def board_page(request: web.Request, viewer: Viewer) -> Context:
    board_id = page_id(request)
    async with request.app[DATABASE].read() as session:
        board = await get_board(session, viewer, board_id)
        tasks = await every_item(request, lambda page: list_tasks(session, viewer, board_id, page))
        rooms = await every_item(request, lambda page: list_rooms(session, viewer, board_id, page))
        comments = await comment_counts(session, board_id)
        mentions = await unread_mentions(session, viewer, board_id)
        unread = await unread_messages(session, viewer, board_id)
        seqs = await room_seqs(session, viewer, board_id)
    columns: dict[str, Items] = {column: [] for column in board["columns"]}
    for task in tasks:
        columns.setdefault(task["status"], []).append(
            {
                **task,
                "comment_count": comments.get(task["id"], 0),
                "mention_count": mentions.get(task["id"], 0),
            }
        )
    return {"board": board, "columns": columns, "rooms": with_unread(rooms, unread, seqs)}


@page("rooms.html")
async def rooms_page(request: web.Request, viewer: Viewer) -> Context:
    board_id = page_id(request, "board_id")
    async with request.app[DATABASE].read() as session:
        board = await get_board(session, viewer, board_id)
        rooms = await every_item(request, lambda page: list_rooms(session, viewer, board_id, page))
        unread = await unread_messages(session, viewer, board_id)
        seqs = await room_seqs(session, viewer, board_id)
    return {"board": board, "rooms": with_unread(rooms, unread, seqs)}


def with_unread(rooms: Items, unread: dict[int, int], seqs: dict[int, int]) -> Items:
    """Each room with its unread count and, where the viewer is a member, its stream's last
    seq (`None` elsewhere: nothing to keep live)."""
    return [
        {**room, "unread_count": unread.get(room["id"], 0), "seq": seqs.get(room["id"])}
        for room in rooms
    ]


@page("thread.html")
async def room_page(request: web.Request, viewer: Viewer) -> Context:
    room_id = page_id(request)
    async with request.app[DATABASE].read() as session:
        room = await get_room(session, viewer, room_id)
        board = await get_board(session, viewer, room["board"])
        posts, older = await history(session, ROOM_MESSAGES, viewer, room_id, newest_page(request))
        read_seq = await session.scalar(  # None for an admin who is not in the room
            select(RoomMember.last_read_seq).where(
                RoomMember.room_id == room_id, RoomMember.user_id == viewer.id
            )
        )
        unread = await room_unread_count(session, viewer.id, room_id)
        members = await every_item(
            request, lambda page: list_room_members(session, viewer, room_id, "", page)
        )
        board_seq = await last_seq(session, board_stream(board["id"]))
    return {
        "kind": "room",
        "anchor": "message",
        "title": room["name"],
        "subtitle": room["description"],
        "place": room,
        "board": board,
        "posts": posts,
        "older": older,
        "read_seq": read_seq,
        "unread_count": unread,
        "members": members,
        "board_seq": board_seq,
    }


@page("thread.html")
async def comments_page(request: web.Request, viewer: Viewer) -> Context:
    task_id = page_id(request)
    async with request.app[DATABASE].read() as session:
        task = await get_task(session, viewer, task_id)
        board = await get_board(session, viewer, task["board"])
        assignees = await users_by_names(session, task["assignees"], field="assignees")
        posts, older = await history(session, TASK_COMMENTS, viewer, task_id, newest_page(request))
    return {
        "kind": "task",
        "anchor": "comment",
        "title": task["title"],
        "subtitle": task["description"],
        "place": task,
        "assignees": [{"username": u.username, "display_name": u.display_name} for u in assignees],
        "board": board,
        "posts": posts,
        "older": older,
    }


def post_submit(thread: Thread[Any], location: str) -> Handler:
    """The composer's form without JavaScript: post, then back to the page (PRG)."""

    @form_action
    async def submit(request: web.Request, viewer: Viewer, form: Form) -> web.HTTPSeeOther:
        place_id = page_id(request)
        await request.app[POSTING].submit(
            thread, place_id, text_field(form, "body"), actor=viewer, origin=WEB_ORIGIN
        )
        return web.HTTPSeeOther(location.format(id=place_id))

    return submit


post_message_submit = post_submit(ROOM_MESSAGES, "/messaging/room/{id}/")
post_comment_submit = post_submit(TASK_COMMENTS, "/messaging/task/{id}/comments/")


@page("notifications.html")
async def notifications_page(request: web.Request, viewer: Viewer) -> Context:
    async with request.app[DATABASE].read() as session:
        items, _older = await list_notifications(
            session, viewer, newest_page(request), unread_only=False
        )
    return {"notifications": list(reversed(items))}


@form_action
async def mark_all_read_submit(
    request: web.Request, viewer: Viewer, _form: Form
) -> web.HTTPSeeOther:
    await request.app[WRITER].run(lambda unit: mark_all_read(unit, viewer))
    return web.HTTPSeeOther("/messaging/notifications/")
