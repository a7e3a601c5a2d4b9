"""What a write job works with: its transaction and the events it records there.

A write job is an async callable given a `UnitOfWork`; `Writer.run` (hub.services.writer)
runs it, commits, and only then publishes what it recorded. Each event is kept typed, with
the origin of the change, for the writer's commit hooks, and encoded once for the log and for
every frame that carries it.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.event_log import EventLog, RecordedEvent
from hub.db.types import json_bytes
from hub.events import HubEvent, Origin

T = TypeVar("T")


class JobEvent(NamedTuple):
    """An event a write job recorded: typed, with where its change came from, and as the log
    stores it (`recorded`: stream, seq, kind, the encoded data)."""

    event: HubEvent
    origin: Origin
    recorded: RecordedEvent


class UnitOfWork:
    """What a write job gets: the transaction's session, the origin of the change it makes,
    and the event log it appends to."""

    def __init__(self, session: AsyncSession, log: EventLog, origin: Origin) -> None:
        self.session = session
        self.origin = origin
        self._log = log
        self.events: list[JobEvent] = []

    async def next_seq(self, stream: str) -> int:
        """Reserve the seq of an event about to be built (a message carries its own seq)."""
        return await self._log.next_seq(stream)

    async def record(self, event: HubEvent, *, seq: int | None = None) -> JobEvent:
        if seq is None:
            seq = await self._log.next_seq(event.stream)
        recorded = RecordedEvent(event.stream, seq, event.kind, json_bytes(event.data))
        self._log.append(recorded)
        job_event = JobEvent(event, self.origin, recorded)
        self.events.append(job_event)
        return job_event


Job = Callable[[UnitOfWork], Awaitable[T]]


class CommitHook(Protocol):
    """Work that must commit or fail with a batch (the bridges' outbox): called once per
    batch, inside its transaction, after its jobs and before COMMIT, with the events of every
    job that succeeded. Raising fails every job of the batch and publishes nothing."""

    async def __call__(self, session: AsyncSession, events: Sequence[JobEvent]) -> None: ...


class Alone(enum.Enum):
    """A bulk job's outcome when it must run on its own after its group (e.g. a resend)."""

    RUN_ALONE = enum.auto()


RUN_ALONE = Alone.RUN_ALONE


class Bulk(Protocol):
    """A kind of job whose consecutive jobs in a batch run together (each job names its kind
    in its `bulk` attribute)."""

    async def run_together(
        self, session: AsyncSession, jobs: Sequence[Any], units: Sequence[UnitOfWork]
    ) -> list[Any]:
        """Run `jobs`, the i-th recording its events in `units[i]`: each job's result, the
        exception refusing it, or RUN_ALONE. Raising undoes them all, and they run alone."""
        ...
