"""May this viewer subscribe to this stream? The same rules as reading over HTTP."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hub.auth.sessions import Viewer
from hub.errors import NotFound
from hub.services.access import visible_board, visible_room, visible_task


async def authorize_stream(session: AsyncSession, viewer: Viewer, stream: str) -> None:
    """Raise NotFound unless `viewer` may read `stream` ("kind:id", already validated)."""
    kind, _, raw_id = stream.partition(":")
    object_id = int(raw_id)
    if kind == "room":
        await visible_room(session, viewer, object_id)
    elif kind == "task":
        await visible_task(session, viewer, object_id)
    elif kind == "board":
        await visible_board(session, viewer, object_id)
    elif object_id != viewer.id:
        raise NotFound("no such stream")
