"""The event vocabulary shared by the core, storage, the WebSocket layer and the bridges.

Each kind of event is a frozen dataclass. An event names the stream it belongs to and carries
`data`, the public JSON shape of the thing it is about (what a WebSocket client receives).
Where a change came from (`Origin`) travels next to its events, never inside `data`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, NewType

UserId = NewType("UserId", int)
BoardId = NewType("BoardId", int)
RoomId = NewType("RoomId", int)
TaskId = NewType("TaskId", int)


Source = Literal["web", "api", "slack", "discord", "hub"]
PLATFORMS: frozenset[str] = frozenset({"slack", "discord"})


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a change came from: the dashboard ("web"), a token client ("api"), a platform
    through its bridge, or the hub's own work ("hub": tools, demo data). A post from a platform
    also names the platform's channel and message (the key inbound dedupe and echo prevention
    go by) and, in a thread, the thread's parent message."""

    source: Source
    channel: str | None = None
    message_id: str | None = None
    thread_id: str | None = None

    def __post_init__(self) -> None:
        if self.message_id is not None and (self.platform is None or self.channel is None):
            raise ValueError("a platform message id needs its platform and channel")

    @property
    def platform(self) -> str | None:
        return self.source if self.source in PLATFORMS else None


HUB_ORIGIN = Origin("hub")
WEB_ORIGIN = Origin("web")
API_ORIGIN = Origin("api")


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


@dataclass(frozen=True)
class BoardMemberRemoved(BoardEvent):
    kind: ClassVar[str] = "board.member_removed"


@dataclass(frozen=True)
class RoomMemberRemoved(BoardEvent):
    kind: ClassVar[str] = "room.member_removed"


@dataclass(frozen=True)
class RoomEvent:
    """An event on a chat room's stream: its messages."""

    kind: ClassVar[str]
    room_id: RoomId
    data: dict[str, Any]

    @property
    def stream(self) -> str:
        return room_stream(self.room_id)


@dataclass(frozen=True)
class MessageCreated(RoomEvent):
    kind: ClassVar[str] = "message.created"


@dataclass(frozen=True)
class MessageUpdated(RoomEvent):
    kind: ClassVar[str] = "message.updated"


@dataclass(frozen=True)
class MessageDeleted(RoomEvent):
    kind: ClassVar[str] = "message.deleted"


@dataclass(frozen=True)
class TaskThreadEvent:
    """An event on a task's stream: its comments."""

    kind: ClassVar[str]
    task_id: TaskId
    data: dict[str, Any]

    @property
    def stream(self) -> str:
        return task_stream(self.task_id)


@dataclass(frozen=True)
class CommentCreated(TaskThreadEvent):
    kind: ClassVar[str] = "comment.created"


@dataclass(frozen=True)
class CommentUpdated(TaskThreadEvent):
    kind: ClassVar[str] = "comment.updated"


@dataclass(frozen=True)
class CommentDeleted(TaskThreadEvent):
    kind: ClassVar[str] = "comment.deleted"


@dataclass(frozen=True)
class UserEvent:
    """An event on one person's own stream: notifications."""

    kind: ClassVar[str]
    user_id: UserId
    data: dict[str, Any]

    @property
    def stream(self) -> str:
        return user_stream(self.user_id)


@dataclass(frozen=True)
class NotificationCreated(UserEvent):
    kind: ClassVar[str] = "notification.created"


@dataclass(frozen=True)
class NotificationsRead(UserEvent):
    """Some of the person's notifications were marked read (so every open tab's badge follows)."""

    kind: ClassVar[str] = "notification.read"


@dataclass(frozen=True)
class RoomRead(UserEvent):
    """The person's read marker in a room moved (so every open page's count for it follows)."""

    kind: ClassVar[str] = "room.read"


@dataclass(frozen=True)
class RemovedFromBoard(UserEvent):
    """The person is no longer on a board (so their open pages drop it)."""

    kind: ClassVar[str] = "board.member_removed"


@dataclass(frozen=True)
class RemovedFromRoom(UserEvent):
    """The person is no longer in a room (so their open pages drop it)."""

    kind: ClassVar[str] = "room.member_removed"


HubEvent = BoardEvent | RoomEvent | TaskThreadEvent | UserEvent
