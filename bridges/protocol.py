"""What every platform bridge is to the hub, and what the hub is to a bridge.

A bridge (Slack, Discord) connects to its platform, hands what happens there to an injected
`InboundSink` (the hub's write seam, never a reference to the hub itself), and makes one
platform call per `Delivery` the outbox gives it. The shared machinery (supervisor, outbox,
links, identities, message map) is written once against these types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

Action = Literal["post", "update", "delete", "dm"]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform can mirror; the outbox only queues what the platform can do."""

    edits: bool = True
    deletes: bool = True
    threads: bool = True
    direct_messages: bool = True
    max_text_chars: int = 40_000


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outbound platform call, as the outbox stored it.

    `attempts` counts the calls already started for it (the count is committed before each
    call): above zero, an earlier call may have been applied without its answer reaching us,
    so a post must be looked for on the platform before it is made again."""

    id: int
    platform: str
    destination: str  # the platform channel, or "dm:<platform user id>"
    action: Action
    payload: dict[str, Any]
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Sent:
    """A delivery made: the platform message it created or changed (None for a delete) and,
    for a message in a thread, the thread's parent, so later edits and replies find it."""

    external_id: str | None = None
    thread_id: str | None = None


class DeliveryError(Exception):
    """A delivery that failed; what to do next is the subclass."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RetryLater(DeliveryError):
    """A failure that may pass (a 5xx, a timeout, a dropped connection): retried with backoff.
    `uncertain` says the call may have been applied (its answer was lost)."""

    def __init__(self, message: str, *, uncertain: bool = False) -> None:
        super().__init__(message)
        self.uncertain = uncertain


class RateLimited(DeliveryError):
    """The platform asked to wait `retry_after_s` before the next call to this destination."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Undeliverable(DeliveryError):
    """A delivery that can never succeed as it is (channel archived or gone, bot removed):
    parked as failed for an admin to see and retry, never retried by itself."""


class BadCredentials(Exception):
    """The platform refused the bridge's tokens: reported, and not retried in a tight loop."""


@dataclass(frozen=True, slots=True)
class InboundPost:
    """A message written on a platform, in a channel a link connects to the hub."""

    platform: str
    channel: str
    message_id: str  # the platform's id of the message (Slack ts, Discord snowflake)
    author_id: str  # the platform user id
    author_name: str  # how the platform shows the author
    text: str  # already translated to hub markdown
    thread_id: str | None = None  # the thread's parent message, for a reply in a thread
    mentioned: tuple[str, ...] = ()  # hub usernames the platform text mentioned


@dataclass(frozen=True, slots=True)
class InboundEdit:
    platform: str
    channel: str
    message_id: str
    author_id: str
    text: str


@dataclass(frozen=True, slots=True)
class InboundDelete:
    platform: str
    channel: str
    message_id: str


class InboundSink(Protocol):
    """Where a bridge hands what happened on its platform: the hub's write seam. Each call
    returns once the change is committed (or known to be a duplicate or not for the hub)."""

    async def posted(self, post: InboundPost) -> int | None:
        """Store a platform message in the room or task thread its channel links to: the hub
        post's id (the first one's for a redelivered message), or None when no link takes
        it in."""
        ...

    async def edited(self, edit: InboundEdit) -> None: ...

    async def deleted(self, delete: InboundDelete) -> None: ...


class Bridge(Protocol):
    """A platform's adapter. `start` connects and returns once connected (raising
    BadCredentials when the platform refuses the tokens); `wait_closed` returns, or raises
    what broke it, when the connection is lost for good; `send` makes one delivery."""

    platform: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    async def start(self, sink: InboundSink) -> None: ...

    async def wait_closed(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, delivery: Delivery) -> Sent: ...
