"""The link table: which hub room, or board's task threads, is mirrored to which platform
channel, and in which direction.

Links live in the database (made by `POST /api/v1/admin/links`, `taskflow-hub link` or the
configuration's `[[links]]`); every process keeps them in memory (`LinkTable`) because each
committed batch asks who is linked. A change made here is seen at once by this process; the
others reload every HUB_LINKS_REFRESH_S.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, StringConstraints
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Board, BridgeLink, ChatRoom
from hub.errors import Conflict, Invalid, NotFound
from hub.services.commands import Id, Omittable, Request

Platform = Literal["slack", "discord"]
Mode = Literal["both", "in", "out"]
ChannelId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
]


class LinkIn(Request):
    """A new link: exactly one of `room` or `board` (a board link carries its task threads)."""

    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["room"]}, {"required": ["board"]}]}
    )

    room: Omittable[Id] = None
    board: Omittable[Id] = None
    platform: Platform
    channel: ChannelId
    mode: Mode = "both"


@dataclass(frozen=True, slots=True)
class Link:
    id: int
    platform: str
    channel: str
    room_id: int | None
    board_id: int | None
    mode: str

    @property
    def outbound(self) -> bool:
        return self.mode in ("both", "out")

    @property
    def inbound(self) -> bool:
        return self.mode in ("both", "in")

    def json(self) -> dict[str, Any]:
        target = {"room": self.room_id} if self.room_id is not None else {"board": self.board_id}
        return {
            "id": self.id,
            **target,
            "platform": self.platform,
            "channel": self.channel,
            "mode": self.mode,
        }

    @staticmethod
    def of(row: BridgeLink) -> Link:
        return Link(row.id, row.platform, row.channel, row.room_id, row.board_id, row.mode)


class LinkTable:
    """Every link, indexed the ways the outbox and the bridges look them up."""

    def __init__(self) -> None:
        self.loaded = False  # whether the table was read from the database yet
        self._replace([])

    async def reload(self, session: AsyncSession) -> None:
        rows = await session.scalars(select(BridgeLink).order_by(BridgeLink.id))
        self._replace([Link.of(row) for row in rows])
        self.loaded = True

    def _replace(self, links: list[Link]) -> None:
        self.all = links
        self._by_room: dict[int, list[Link]] = defaultdict(list)
        self._by_board: dict[int, list[Link]] = defaultdict(list)
        self._by_channel: dict[tuple[str, str], list[Link]] = defaultdict(list)
        for link in links:
            if link.room_id is not None:
                self._by_room[link.room_id].append(link)
            if link.board_id is not None:
                self._by_board[link.board_id].append(link)
            self._by_channel[(link.platform, link.channel)].append(link)

    def of_room(self, room_id: int) -> list[Link]:
        return self._by_room.get(room_id, [])

    def of_board(self, board_id: int) -> list[Link]:
        return self._by_board.get(board_id, [])

    def of_channel(self, platform: str, channel: str) -> list[Link]:
        return self._by_channel.get((platform, channel), [])

    @property
    def has_board_links(self) -> bool:
        return bool(self._by_board)

    def channels(self, platform: str) -> list[str]:
        """The platform's linked channels, each once (catch-up reads their history)."""
        return sorted({link.channel for link in self.all if link.platform == platform})


async def create_link(session: AsyncSession, body: LinkIn) -> Link:
    if (body.room is None) == (body.board is None):
        raise Invalid("a link connects a room or a board: give exactly one of them", field="room")
    if body.room is not None and await session.get(ChatRoom, body.room) is None:
        raise NotFound(f"there is no room {body.room}", field="room")
    if body.board is not None and await session.get(Board, body.board) is None:
        raise NotFound(f"there is no board {body.board}", field="board")
    same = await session.scalar(
        select(BridgeLink.id).where(
            BridgeLink.platform == body.platform,
            BridgeLink.channel == body.channel,
            BridgeLink.room_id.is_(None) if body.room is None else BridgeLink.room_id == body.room,
            BridgeLink.board_id.is_(None)
            if body.board is None
            else BridgeLink.board_id == body.board,
        )
    )
    if same is not None:
        raise Conflict(f"that channel is already linked there (link {same})", field="channel")
    row = BridgeLink(
        platform=body.platform,
        channel=body.channel,
        room_id=body.room,
        board_id=body.board,
        mode=body.mode,
    )
    session.add(row)
    await session.flush()
    return Link.of(row)


async def ensure_link(session: AsyncSession, body: LinkIn) -> Link:
    """The link `body` describes, made if it does not exist yet (the configuration's links
    are applied at every start)."""
    try:
        async with session.begin_nested():
            return await create_link(session, body)
    except Conflict:
        rows = await session.scalars(
            select(BridgeLink).where(
                BridgeLink.platform == body.platform, BridgeLink.channel == body.channel
            )
        )
        for row in rows:
            if row.room_id == body.room and row.board_id == body.board:
                row.mode = body.mode
                return Link.of(row)
        raise


async def delete_link(session: AsyncSession, link_id: int) -> None:
    row = await session.get(BridgeLink, link_id)
    if row is None:
        raise NotFound("no such link")
    await session.delete(row)
    await session.flush()
