"""Drains one platform's outbox: every destination (a channel, a person's DMs) in its own
task, in order within it, so one rate-limited or failing channel never delays another.

A delivery's attempt is counted, and committed, before its call is made: after a crash or a
lost answer, `Delivery.attempts` above zero tells the bridge to look for the post on the
platform before making it again. A 429 waits exactly its Retry-After (and does not count as
an attempt: nothing was applied); other transient failures back off exponentially, capped at
HUB_BRIDGE_MAX_BACKOFF_S; a delivery that can never succeed, or that still fails after
HUB_OUTBOX_GIVE_UP_S, is parked as failed for an admin, never retried by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import structlog
from sqlalchemy import select, update

from bridges.backoff import backoff_s
from bridges.message_map import record_copy
from bridges.protocol import (
    Bridge,
    Delivery,
    RateLimited,
    RetryLater,
    Sent,
    Undeliverable,
)
from hub.db.engine import Database
from hub.db.models import OutboxItem
from hub.db.types import utcnow

logger = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class OutboxSettings:
    max_backoff_s: float
    poll_s: float  # how often the queue is read when nothing nudged it (other processes)
    give_up_s: float  # a delivery failing for this long is parked
    concurrency: int  # calls made at once (each destination makes one at a time)


class Outbox:
    """The platform's deliveries, sent by `bridge`; `nudge` after a commit that queued some."""

    def __init__(self, database: Database, bridge: Bridge, settings: OutboxSettings) -> None:
        self.database = database
        self.bridge = bridge
        self.platform = bridge.platform
        self.settings = settings
        self.sent = 0
        self.parked = 0
        self._wake = asyncio.Event()
        self._drains: dict[str, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._task: asyncio.Task[None] | None = None

    def nudge(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"outbox-{self.platform}")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._drains.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._drains.clear()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                for destination in await self._pending_destinations():
                    if destination not in self._drains:
                        task = asyncio.create_task(self._drain(destination))
                        self._drains[destination] = task
                        task.add_done_callback(partial(self._drained, destination))
            except Exception:
                logger.exception("outbox_read_failed", platform=self.platform)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.poll_s)

    def _drained(self, destination: str, _task: asyncio.Task[None]) -> None:
        self._drains.pop(destination, None)

    async def _pending_destinations(self) -> list[str]:
        async with self.database.read() as session:
            rows = await session.scalars(
                select(OutboxItem.destination)
                .where(OutboxItem.state == "pending", OutboxItem.platform == self.platform)
                .distinct()
            )
            return list(rows)

    async def _drain(self, destination: str) -> None:
        """Send the destination's deliveries in order. A slot is held only while a call is
        made: a destination waiting out a Retry-After or a backoff holds none, so however
        many channels wait, the others keep sending."""
        while (item := await self._head(destination)) is not None:
            wait_s = (item.next_attempt_at - utcnow()).total_seconds()
            if wait_s > 0:
                await asyncio.sleep(wait_s)
            async with self._slots:
                await self._attempt(item)

    async def _head(self, destination: str) -> OutboxItem | None:
        async with self.database.read() as session:
            found: OutboxItem | None = await session.scalar(
                select(OutboxItem)
                .where(
                    OutboxItem.state == "pending",
                    OutboxItem.platform == self.platform,
                    OutboxItem.destination == destination,
                )
                .order_by(OutboxItem.id)
                .limit(1)
            )
            return found

    async def _attempt(self, item: OutboxItem) -> None:
        delivery = Delivery(
            item.id, item.platform, item.destination, item.action,  # type: ignore[arg-type]
            item.payload, item.attempts,
        )  # fmt: skip
        await self._change(item.id, attempts=item.attempts + 1)
        try:
            sent = await self.bridge.send(delivery)
        except RateLimited as exc:
            await self._retry(item, exc.retry_after_s, exc.message, attempts=item.attempts)
        except Undeliverable as exc:
            await self._park(item, exc.message)
        except RetryLater as exc:
            await self._retry_or_park(item, exc.message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bridge's bug must not stop its channel's queue
            logger.exception("delivery_crashed", platform=self.platform, delivery=item.id)
            await self._retry_or_park(item, f"{type(exc).__name__}: {exc}")
        else:
            await self._done(delivery, sent)

    async def _retry_or_park(self, item: OutboxItem, error: str) -> None:
        if (utcnow() - item.created_at).total_seconds() >= self.settings.give_up_s:
            await self._park(item, f"gave up after {item.attempts + 1} attempts: {error}")
        else:
            wait_s = backoff_s(item.attempts + 1, self.settings.max_backoff_s)
            await self._retry(item, wait_s, error, attempts=item.attempts + 1)

    async def _retry(self, item: OutboxItem, wait_s: float, error: str, *, attempts: int) -> None:
        logger.info("delivery_retry", platform=self.platform, delivery=item.id, error=error)
        next_at = utcnow() + timedelta(seconds=wait_s)
        await self._change(item.id, attempts=attempts, next_attempt_at=next_at, last_error=error)

    async def _park(self, item: OutboxItem, error: str) -> None:
        logger.warning("delivery_parked", platform=self.platform, delivery=item.id, error=error)
        self.parked += 1
        await self._change(item.id, state="failed", last_error=error)

    async def _done(self, delivery: Delivery, sent: Sent) -> None:
        payload = delivery.payload
        async with self.database.write() as session:
            if delivery.action == "post" and sent.external_id is not None:
                post_id = payload["id"]
                await record_copy(
                    session,
                    platform=self.platform,
                    channel=delivery.destination,
                    external_id=sent.external_id,
                    thread_id=sent.thread_id,
                    message_id=post_id if payload.get("kind") == "message" else None,
                    comment_id=post_id if payload.get("kind") == "comment" else None,
                    task_id=payload.get("task"),
                )
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == delivery.id)
                .values(state="done", done_at=utcnow(), last_error=None)
            )
        self.sent += 1

    async def _change(self, item_id: int, **values: object) -> None:
        async with self.database.write() as session:
            await session.execute(
                update(OutboxItem).where(OutboxItem.id == item_id).values(**values)
            )


async def retry_failed(database: Database, delivery_id: int) -> bool:
    """Put a parked delivery back at its place in its channel's queue (its id keeps its order
    among what is still pending); False when there is no parked delivery by that id."""
    async with database.write() as session:
        result = await session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == delivery_id, OutboxItem.state == "failed")
            .values(state="pending", next_attempt_at=utcnow(), created_at=utcnow())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def age_s(created_at: datetime) -> float:
    return max(0.0, (utcnow() - created_at).total_seconds())
