"""Write jobs, committed in groups, and the events they recorded, published after the commit.

Every change that clients see live goes through `Writer.run`, whether it came over HTTP, the
WebSocket, a bridge or the demo: commit first, then publish, so a published event is always
in the log that `since` replays from, and a caller's result (its ack) comes after both.

One committer per process takes every job waiting (at most HUB_WRITE_BATCH_MAX) and runs them
in one transaction, each in a savepoint, with one COMMIT for all: a single write costs one
commit, and writes arriving while a commit runs share the next one. A lone job runs at once.
Consecutive jobs of one `Bulk` kind (plain new messages) run together instead: one statement
per table for all of them, not a savepoint and a few statements each. The commit hooks run
last in the transaction, once per batch, with the typed events of its jobs.

What it did is kept for /metrics: batches by size, events published by stream kind, failed
jobs; and each committed batch's transaction time is handed to `commit_seconds`.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from itertools import groupby
from typing import Any, TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from hub.broker import Broker, BrokerMessage
from hub.db.engine import Database
from hub.db.event_log import EventLog
from hub.errors import HubError
from hub.events import HUB_ORIGIN, Origin
from hub.frames import event_frame
from hub.services.unit_of_work import RUN_ALONE, Bulk, CommitHook, Job, UnitOfWork

T = TypeVar("T")
logger = structlog.get_logger(__name__)


@dataclass(eq=False)
class _Waiting:
    """A job and its caller's future; `unit` is set once the job has succeeded."""

    job: Job[Any]
    origin: Origin
    result: asyncio.Future[Any]
    unit: UnitOfWork | None = None
    value: Any = None


class Writer:
    """The process's committer: runs write jobs in batches and publishes their events."""

    def __init__(
        self,
        database: Database,
        broker: Broker,
        *,
        batch_max: int,
        commit_seconds: Callable[[float], None] | None = None,
    ) -> None:
        self.database = database
        self.broker = broker
        self.batch_max = batch_max
        self._hooks: list[CommitHook] = []
        self._after_commit: list[Callable[[], None]] = []
        self._waiting: deque[_Waiting] = deque()
        self._committer: asyncio.Task[None] | None = None
        self._commit_seconds = commit_seconds
        self.batch_sizes: Counter[int] = Counter()  # committed batches by their number of jobs
        self.published: Counter[str] = Counter()  # events published, by stream kind ("room")
        self.failures = 0  # jobs failed by storage, a hook or the broker (not refusals)

    def add_commit_hook(self, hook: CommitHook) -> None:
        """Run `hook` in every batch's transaction from now on, after those already added."""
        self._hooks.append(hook)

    def add_after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` after every committed batch (a commit hook's reader waits for it:
        what the hook wrote is visible from then on)."""
        self._after_commit.append(callback)

    async def run(self, job: Job[T], *, origin: Origin = HUB_ORIGIN) -> T:
        """Run `job` in a transaction and return its result once that is committed and the
        job's events are published; its exception if it raised (its changes undone, others'
        kept), or the commit's if the commit failed. Its events carry `origin`. A job must not
        call `run` itself."""
        waiting = _Waiting(job, origin, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        if self._committer is None:
            self._committer = asyncio.create_task(self._commit_waiting(), name="hub-committer")
        result: T = await waiting.result
        return result

    async def close(self) -> None:
        """Wait for the jobs already given to be done."""
        if self._committer is not None:
            await self._committer

    async def _commit_waiting(self) -> None:
        try:
            while self._waiting:
                count = min(len(self._waiting), self.batch_max)
                batch = [self._waiting.popleft() for _ in range(count)]
                # A caller that stopped waiting (cancelled) before its job started: skip it.
                await self._commit([w for w in batch if not w.result.done()])
        finally:
            self._committer = None
            while self._waiting:  # only when the committer itself was cancelled
                self._waiting.popleft().result.cancel()

    async def _commit(self, batch: list[_Waiting]) -> None:
        if not batch:
            return
        alone = len(batch) == 1
        started = time.perf_counter()
        try:
            async with self.database.write() as session:
                log = EventLog(session)
                for bulk, group in _bulk_groups(batch):
                    if bulk is not None and len(group) > 1:
                        await self._run_together(session, log, bulk, group)
                    else:
                        await self._run_job(session, log, group[0], alone=alone)
                await log.write()
                if self._hooks:
                    events = [e for w in batch if w.unit is not None for e in w.unit.events]
                    for hook in self._hooks:
                        await hook(session, events)
        except Exception as exc:  # the commit or a hook failed (or a lone job raised)
            for waiting in batch:
                if waiting.unit is not None or alone:
                    self._fail(waiting.result, exc)
            return
        except BaseException:
            for waiting in batch:
                waiting.result.cancel()
            raise
        if self._commit_seconds is not None:
            self._commit_seconds(time.perf_counter() - started)
        self.batch_sizes[len(batch)] += 1
        for callback in self._after_commit:
            callback()
        for waiting in batch:
            if waiting.unit is not None:
                await self._publish(waiting)
        for waiting in batch:
            if waiting.unit is not None and not waiting.result.done():
                waiting.result.set_result(waiting.value)

    async def _run_job(
        self, session: AsyncSession, log: EventLog, waiting: _Waiting, *, alone: bool
    ) -> None:
        """Run one job in its savepoint (a lone job needs none: the transaction is its own)."""
        mark = log.mark()
        unit = UnitOfWork(session, log, waiting.origin)
        try:
            async with nullcontext() if alone else session.begin_nested():
                waiting.value = await waiting.job(unit)
        except Exception as exc:
            if alone:
                raise
            log.rollback_to(mark)
            self._fail(waiting.result, exc)
        else:
            waiting.unit = unit

    async def _run_together(
        self, session: AsyncSession, log: EventLog, bulk: Bulk, group: list[_Waiting]
    ) -> None:
        """Run a group of bulk jobs in one savepoint; should that fail, run each alone."""
        mark = log.mark()
        units = [UnitOfWork(session, log, w.origin) for w in group]
        try:
            async with session.begin_nested():
                outcomes = await bulk.run_together(session, [w.job for w in group], units)
        except Exception:
            log.rollback_to(mark)
            logger.warning("bulk_write_failed", jobs=len(group), exc_info=True)
            outcomes = [RUN_ALONE] * len(group)
        for waiting, unit, outcome in zip(group, units, outcomes, strict=True):
            if isinstance(outcome, Exception):
                self._fail(waiting.result, outcome)
            elif outcome is not RUN_ALONE:
                waiting.value, waiting.unit = outcome, unit
        for waiting, outcome in zip(group, outcomes, strict=True):
            if outcome is RUN_ALONE:
                await self._run_job(session, log, waiting, alone=False)

    async def _publish(self, waiting: _Waiting) -> None:
        assert waiting.unit is not None
        try:
            for job_event in waiting.unit.events:
                event = job_event.recorded
                await self.broker.publish(
                    BrokerMessage(event.stream, event.seq, event_frame(event))
                )
                self.published[event.stream.partition(":")[0]] += 1
        except Exception as exc:  # committed but not all published: the caller hears of it
            waiting.unit = None
            self._fail(waiting.result, exc)

    def _fail(self, result: asyncio.Future[Any], exc: Exception) -> None:
        if not isinstance(exc, HubError):  # a refusal is the job's answer, not a failure
            self.failures += 1
        if not result.done():  # done: its caller was cancelled and no longer waits
            result.set_exception(exc)


def _bulk_groups(batch: list[_Waiting]) -> Iterator[tuple[Bulk | None, list[_Waiting]]]:
    """The batch in order: runs of consecutive jobs of one bulk kind, every other job alone."""
    for key, run in groupby(
        batch, key=lambda waiting: getattr(waiting.job, "bulk", None) or waiting
    ):
        yield (None if isinstance(key, _Waiting) else key), list(run)
