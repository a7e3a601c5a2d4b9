"""The bridges one process runs and the machinery they share: the link table, the outbox's
commit hook, one outbox drainer and one supervisor per platform, and their status.

The app's wiring builds it with the platform bridges the configuration turns on (the only
place a platform package is imported); with none, the link table still serves the admin API
and no delivery is queued (nobody would drain it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy import func, select

from bridges.inbound import HubSink
from bridges.links import LinkIn, ensure_link
from bridges.outbox import Outbox, OutboxSettings, age_s, retry_failed
from bridges.outbox_hook import OutboxHook
from bridges.protocol import Bridge
from bridges.supervisor import Supervisor
from hub.db.engine import Database
from hub.db.models import OutboxItem
from hub.errors import NotFound
from hub.services.writer import Writer

log = structlog.get_logger(__name__)


class BridgeRuntime:
    def __init__(
        self,
        database: Database,
        writer: Writer,
        sink: HubSink,
        bridges: Sequence[Bridge],
        *,
        outbox_settings: OutboxSettings,
        links_refresh_s: float,
    ) -> None:
        self.database = database
        self.writer = writer
        self.links = sink.links
        self.sink = sink
        self.supervisors = {
            b.platform: Supervisor(b, sink, max_backoff_s=outbox_settings.max_backoff_s)
            for b in bridges
        }
        self.outboxes = {b.platform: Outbox(database, b, outbox_settings) for b in bridges}
        self._links_refresh_s = links_refresh_s
        self._refresher: asyncio.Task[None] | None = None
        # What /metrics shows between scrapes (a scrape does not wait for the database).
        self.last_status: list[dict[str, Any]] = []

    def bridge(self, platform: str) -> Bridge | None:
        supervisor = self.supervisors.get(platform)
        return None if supervisor is None else supervisor.bridge

    @property
    def platforms(self) -> frozenset[str]:
        return frozenset(self.supervisors)

    async def start(self, configured_links: Sequence[LinkIn] = ()) -> None:
        """Hook the outbox into every commit and start the bridges and their drainers; apply
        the configuration's links and keep the table fresh in the background. Nothing here
        waits for the database: a hub starts (and says it is not ready) while it is down,
        and the first commit loads the table if the background has not yet."""
        if self.platforms:
            self.writer.add_commit_hook(OutboxHook(self.links, self.platforms))
            self.writer.add_after_commit(self.nudge)
        for platform, supervisor in self.supervisors.items():
            supervisor.start()
            self.outboxes[platform].start()
        if self.platforms or configured_links:
            self._refresher = asyncio.create_task(
                self._refresh_links(configured_links), name="bridge-links"
            )

    async def stop(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        for platform, supervisor in self.supervisors.items():
            await self.outboxes[platform].stop()
            await supervisor.stop()

    async def retry(self, delivery_id: int) -> None:
        """Put a parked delivery back in its channel's queue and wake the drainers (the
        admin API's and the admin page's retry)."""
        if not await retry_failed(self.database, delivery_id):
            raise NotFound("no parked delivery by that id")
        self.nudge()

    def nudge(self) -> None:
        for outbox in self.outboxes.values():
            outbox.nudge()

    async def reload_links(self) -> None:
        async with self.database.read() as session:
            await self.links.reload(session)

    async def _load(self, configured_links: Sequence[LinkIn]) -> None:
        if configured_links:
            async with self.database.write() as session:
                for link in configured_links:
                    await ensure_link(session, link)
        await self.reload_links()

    async def _refresh_links(self, configured_links: Sequence[LinkIn]) -> None:
        """Apply the configured links once the database answers; then reload the table every
        HUB_LINKS_REFRESH_S, so links changed by another process reach this one."""
        while True:
            try:
                await self._load(configured_links)
            except Exception:
                log.warning("bridge_links_not_loaded", exc_info=True)
            else:
                configured_links = ()
            with contextlib.suppress(Exception):
                await self.status(())
            await asyncio.sleep(self._links_refresh_s)

    async def status(self, configured: Sequence[str]) -> list[dict[str, Any]]:
        """The state of each platform configured or running (DESIGN §5 `GET /admin/bridges`)."""
        async with self.database.read() as session:
            rows = await session.execute(
                select(
                    OutboxItem.platform,
                    OutboxItem.state,
                    func.count(),
                    func.min(OutboxItem.created_at),
                )
                .where(OutboxItem.state != "done")
                .group_by(OutboxItem.platform, OutboxItem.state)
            )
            counts = {(platform, state): (n, oldest) for platform, state, n, oldest in rows}
        items = []
        for platform in sorted(set(configured) | self.platforms):
            supervisor = self.supervisors.get(platform)
            pending, oldest = counts.get((platform, "pending"), (0, None))
            items.append(
                {
                    "platform": platform,
                    "state": supervisor.status.state if supervisor else "stopped",
                    "last_error": supervisor.status.last_error if supervisor else None,
                    "outbox_depth": pending,
                    "oldest_pending_s": round(age_s(oldest), 3) if oldest else 0.0,
                    "failed": counts.get((platform, "failed"), (0, None))[0],
                }
            )
        self.last_status = items
        return items
