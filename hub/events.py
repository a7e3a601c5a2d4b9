"""The event vocabulary shared by the core, storage, the WebSocket layer and (later) bridges.

Each kind of event is a frozen dataclass. An event names the stream it belongs to and carries
`data`, the public JSON shape of the thing it is about (what a WebSocket client receives).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, NewType

UserId = NewType("UserId", int)
BoardId = NewType("BoardId", int)
RoomId = NewType("RoomId", int)
TaskId = NewType("TaskId", int)


def board_stream(board_id: int) -> str:
    return f"board:{board_id}"


def room_stream(room_id: int) -> str:
    return f"room:{room_id}"


def task_stream(task_id: int) -> str:
    return f"task:{task_id}"


def user_stream(user_id: int) -> str:
    return f"user:{user_id}"


@dataclass(frozen=True)
class BoardEvent:
    """An event on a board's stream: tasks, rooms and membership of that board."""

    kind: ClassVar[str]
    board_id: BoardId
    data: dict[str, Any]

    @property
    def stream(self) -> str:
        return board_stream(self.board_id)


@dataclass(frozen=True)
class TaskCreated(BoardEvent):
    kind: ClassVar[str] = "task.created"


@dataclass(frozen=True)
class TaskUpdated(BoardEvent):
    kind: ClassVar[str] = "task.updated"


@dataclass(frozen=True)
class RoomCreated(BoardEvent):
    kind: ClassVar[str] = "room.created"


@dataclass(frozen=True)
class BoardMemberAdded(BoardEvent):
    kind: ClassVar[str] = "board.member_added"


@dataclass(frozen=True)
class RoomMemberAdded(BoardEvent):
    kind: ClassVar[str] = "room.member_added"


HubEvent = BoardEvent
