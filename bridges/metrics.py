"""The bridges in /metrics: each one's state, its outbox depth and oldest pending age, parked
deliveries, and deliveries made or parked since start (read at scrape time from the runtime's
own counters and its last status, refreshed every HUB_LINKS_REFRESH_S)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from bridges.runtime import BridgeRuntime
from bridges.supervisor import STATES


class BridgeCollector:
    def __init__(self, runtime: BridgeRuntime) -> None:
        self._runtime = runtime

    def collect(self) -> Iterator[Metric]:
        runtime = self._runtime
        state = GaugeMetricFamily(
            "hub_bridge_state", "1 for the state each bridge is in", labels=["platform", "state"]
        )
        for platform, supervisor in runtime.supervisors.items():
            for name in STATES:
                state.add_metric([platform, name], 1.0 if supervisor.status.state == name else 0.0)
        yield state
        depth = GaugeMetricFamily(
            "hub_bridge_outbox_depth", "Deliveries waiting", labels=["platform"]
        )
        oldest = GaugeMetricFamily(
            "hub_bridge_oldest_pending_seconds",
            "Age of the oldest delivery waiting",
            labels=["platform"],
        )
        failed = GaugeMetricFamily(
            "hub_bridge_failed_deliveries",
            "Deliveries parked as failed, waiting for an admin",
            labels=["platform"],
        )
        for item in runtime.last_status:
            depth.add_metric([item["platform"]], item["outbox_depth"])
            oldest.add_metric([item["platform"]], item["oldest_pending_s"])
            failed.add_metric([item["platform"]], item["failed"])
        yield from (depth, oldest, failed)
        made = CounterMetricFamily(
            "hub_bridge_deliveries",
            "Deliveries made or parked since start",
            labels=["platform", "outcome"],
        )
        for platform, outbox in runtime.outboxes.items():
            made.add_metric([platform, "sent"], outbox.sent)
            made.add_metric([platform, "parked"], outbox.parked)
        yield made
