"""What the dashboard's pages add for reading: a page opened from a notification marks it
read, and the numbers a page needs to keep its unread counts live."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.appkeys import WRITER
from hub.auth.requests import optional_viewer
from hub.auth.sessions import Viewer
from hub.db.models import ChatRoom, RoomMember, Stream
from hub.errors import HubError
from hub.events import room_stream
from hub.services.notifications import mark_read
from hub.services.pagination import MAX_ID

# The query parameter the notifications page adds to each link: the page it opens marks that
# notification read. On the server, so a link opened in a new tab (a middle click) counts too.
NOTIFICATION_PARAM = "notification"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def follow_notification(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Mark the viewer's notification named in `?notification=<id>` read before the page
    renders (so its header badge already counts it read); any other id is ignored."""
    raw = request.query.get(NOTIFICATION_PARAM, "")
    if request.method == "GET" and raw.isdigit() and len(raw) <= len(str(MAX_ID)):
        await _mark_followed(request, int(raw))
    return await handler(request)


async def _mark_followed(request: web.Request, notification_id: int) -> None:
    try:
        viewer = await optional_viewer(request)
        if viewer is not None:
            await request.app[WRITER].run(lambda unit: mark_read(unit, viewer, notification_id))
    except HubError:  # not the viewer's, or no viewer: the page answers as it would anyway
        return


async def room_seqs(session: AsyncSession, viewer: Viewer, board_id: int) -> dict[int, int]:
    """Room id → the last seq of its stream, for the board's rooms the viewer is a member of
    (a page subscribes from there to count what arrives after it was rendered)."""
    rooms = list(
        await session.scalars(
            select(RoomMember.room_id)
            .join(ChatRoom, ChatRoom.id == RoomMember.room_id)
            .where(RoomMember.user_id == viewer.id, ChatRoom.board_id == board_id)
        )
    )
    if not rooms:
        return {}
    names = {room_stream(room_id): room_id for room_id in rooms}
    seqs = await session.execute(
        select(Stream.name, Stream.last_seq).where(Stream.name.in_(list(names)))
    )
    found = {names[name]: int(seq) for name, seq in seqs}
    return {room_id: found.get(room_id, 0) for room_id in rooms}
