"""The hub side of a bridge's inbound events: platform messages, edits and deletes become
posts through the write seam (`Posting`), the one way posts enter the hub, with the
platform's channel and message id as their origin (the dedupe key: a redelivered message
is stored once) and the platform author as a `BridgeActor`.

Where a platform message goes: a reply in the thread of a task's parent post becomes a
comment on that task; any other message in a room-linked channel becomes a room message (a
reply in a thread under a room message too, marked as a thread reply with a link to the
message it answers); a message in a channel linked only to a board, outside a task thread,
is not for the hub.
"""

from __future__ import annotations

from typing import Any

import structlog

from bridges.message_map import HubSide
from bridges.protocol import InboundDelete, InboundEdit, InboundPost
from bridges.tools import BridgeTools
from hub.actors import BridgeActor
from hub.errors import HubError
from hub.events import Origin, Source
from hub.services.comments import TASK_COMMENTS
from hub.services.messages import ROOM_MESSAGES
from hub.services.posting import Posting
from hub.services.threads import Thread

logger = structlog.get_logger(__name__)
PLATFORM_NAMES = {"slack": "Slack", "discord": "Discord"}


class HubSink:
    """Takes a platform's events into the hub (see the module docstring)."""

    def __init__(self, posting: Posting, tools: BridgeTools) -> None:
        self.posting = posting
        self.links = tools.links
        self.identities = tools.identities
        self.message_map = tools.message_map
        self.public_url = tools.public_url.rstrip("/")

    async def posted(self, post: InboundPost) -> int | None:
        links = [
            link for link in self.links.of_channel(post.platform, post.channel) if link.inbound
        ]
        if not links:
            return None
        parent = None
        if post.thread_id is not None and post.thread_id != post.message_id:
            parent = await self.message_map.hub_side(post.platform, post.channel, post.thread_id)
        thread: Thread[Any]
        text = post.text
        if parent is not None and parent.task_id is not None and parent.comment_id is None:
            if not any(link.board_id is not None for link in links):
                return None
            thread, place_id = TASK_COMMENTS, parent.task_id
        elif parent is not None and parent.comment_id is not None and parent.task_id is not None:
            thread, place_id = TASK_COMMENTS, parent.task_id
        else:
            room_ids = [link.room_id for link in links if link.room_id is not None]
            if not room_ids:
                return None
            thread, place_id = ROOM_MESSAGES, room_ids[0]
            if parent is not None and parent.message_id is not None:
                text = self._thread_reply(parent, place_id) + text
        actor = await self._actor(post.platform, post.author_id, post.author_name)
        origin = Origin(
            _source(post.platform), post.channel, post.message_id, thread_id=post.thread_id
        )
        try:
            posted = await self.posting.submit(thread, place_id, text, actor=actor, origin=origin)
        except HubError as refusal:  # e.g. too long: the platform allowed it, the hub does not
            logger.warning("inbound_refused", platform=post.platform, error=refusal.message)
            return None
        return int(posted.post["id"])

    async def edited(self, edit: InboundEdit) -> None:
        side = await self.message_map.hub_side(edit.platform, edit.channel, edit.message_id)
        found = _post_of(side)
        if found is None:
            return
        thread, post_id = found
        actor = await self._actor(edit.platform, edit.author_id, edit.author_id)
        origin = Origin(_source(edit.platform), edit.channel)
        try:
            await self.posting.edit(thread, post_id, edit.text, actor=actor, origin=origin)
        except HubError as refusal:
            logger.info("inbound_edit_refused", platform=edit.platform, error=refusal.message)

    async def deleted(self, delete: InboundDelete) -> None:
        side = await self.message_map.hub_side(delete.platform, delete.channel, delete.message_id)
        found = _post_of(side)
        if found is None:
            return
        thread, post_id = found
        actor = BridgeActor(delete.platform, "", PLATFORM_NAMES.get(delete.platform, ""))
        origin = Origin(_source(delete.platform), delete.channel)
        try:
            await self.posting.delete(thread, post_id, actor=actor, origin=origin)
        except HubError as refusal:
            logger.info("inbound_delete_refused", platform=delete.platform, error=refusal.message)

    async def _actor(self, platform: str, external_id: str, name: str) -> BridgeActor:
        user = await self.identities.actor(platform, external_id)
        label = f"{name} ({PLATFORM_NAMES.get(platform, platform)})"
        return BridgeActor(platform, external_id, label, user)

    def _thread_reply(self, parent: HubSide, room_id: int) -> str:
        url = f"{self.public_url}/messaging/room/{room_id}/#message-{parent.message_id}"
        return f"↳ *reply in a thread to [this message]({url})*\n\n"


def _post_of(side: HubSide | None) -> tuple[Thread[Any], int] | None:
    if side is None:
        return None
    if side.message_id is not None:
        return ROOM_MESSAGES, side.message_id
    if side.comment_id is not None:
        return TASK_COMMENTS, side.comment_id
    return None


def _source(platform: str) -> Source:
    if platform == "slack":
        return "slack"
    if platform == "discord":
        return "discord"
    raise ValueError(f"not a platform: {platform}")
