"""What the real-time hub did, read from its objects' own counters when /metrics is scraped.

The fan-out delivers over 100,000 frames a second; a prometheus_client counter per delivery
would take a lock each time. So the sockets, the fan-out, the writer and the refusals count
in plain integers where they do the work, and this collector turns those into metric
families at scrape time: one pass over the open streams, nothing on the hot path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from hub.realtime.connection import CloseReason
from hub.realtime.fanout import Fanout
from hub.realtime.open_connections import OpenConnections
from hub.refusals import Refusals
from hub.services.writer import Writer

BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
# Label values shown from the start, at 0, so that a rate over the first one seen is right.
STREAM_KINDS = ("board", "room", "task", "user")
FRAME_ERROR_CODES = ("forbidden", "invalid", "not_found", "rate_limited", "too_large")

Family = TypeVar("Family", CounterMetricFamily, GaugeMetricFamily)


class RealtimeCollector:
    """A prometheus_client collector of one app's sockets, fan-out, writer and refusals."""

    def __init__(
        self, connections: OpenConnections, fanout: Fanout, writer: Writer, refusals: Refusals
    ) -> None:
        self._connections = connections
        self._fanout = fanout
        self._writer = writer
        self._refusals = refusals

    def collect(self) -> Iterator[Metric]:
        yield from self._sockets()
        yield from self._streams()
        yield from self._writes()
        yield from self._frames()

    def _sockets(self) -> Iterator[Metric]:
        connections = self._connections
        yield GaugeMetricFamily("hub_ws_connections", "Open WebSockets", len(connections))
        yield CounterMetricFamily("hub_ws_opened_total", "WebSockets opened", connections.opened)
        yield _labelled(
            CounterMetricFamily("hub_ws_closed_total", "WebSockets ended", labels=["reason"]),
            connections.closed,
            zeros=CloseReason,
        )

    def _streams(self) -> Iterator[Metric]:
        fanout = self._fanout
        streams: Counter[str] = Counter()
        subscriptions: Counter[str] = Counter()
        for stream, sockets in fanout.subscriptions():
            kind = stream.partition(":")[0]
            streams[kind] += 1
            subscriptions[kind] += sockets
        yield _labelled(
            GaugeMetricFamily("hub_streams_open", "Streams with sockets on them", labels=["kind"]),
            streams,
            zeros=STREAM_KINDS,
        )
        yield _labelled(
            GaugeMetricFamily("hub_ws_subscriptions", "Socket-stream pairs", labels=["kind"]),
            subscriptions,
            zeros=STREAM_KINDS,
        )
        for name, documentation, value in (
            ("hub_deliveries_total", "Live frames written to sockets", fanout.delivered),
            ("hub_replays_total", "Subscribes with since answered from storage", fanout.replays),
            ("hub_replayed_events_total", "Stored events sent by replays", fanout.replayed_events),
            ("hub_resets_total", "Subscribes with since answered by reset", fanout.resets),
            ("hub_gap_fills_total", "Gaps in a stream filled from storage", fanout.gap_fills),
        ):
            yield CounterMetricFamily(name, documentation, value)

    def _writes(self) -> Iterator[Metric]:
        writer = self._writer
        yield _labelled(
            CounterMetricFamily(
                "hub_events_published_total", "Events committed and published", labels=["kind"]
            ),
            writer.published,
            zeros=STREAM_KINDS,
        )
        sizes = HistogramMetricFamily("hub_write_batch_size", "Write jobs per committed batch")
        total_jobs = sum(size * count for size, count in writer.batch_sizes.items())
        sizes.add_metric([], _cumulative(writer.batch_sizes), sum_value=total_jobs)
        yield sizes
        yield CounterMetricFamily(
            "hub_write_failures_total",
            "Write jobs failed by storage, a commit hook or the broker",
            writer.failures,
        )

    def _frames(self) -> Iterator[Metric]:
        refusals = self._refusals
        yield CounterMetricFamily(
            "hub_ws_frames_received_total", "Frames received from clients", refusals.frames_received
        )
        yield _labelled(
            CounterMetricFamily(
                "hub_ws_frames_rejected_total",
                "Client frames answered with an error frame, by its code",
                labels=["code"],
            ),
            refusals.frames_rejected,
            zeros=FRAME_ERROR_CODES,
        )
        yield _labelled(
            CounterMetricFamily(
                "hub_rate_limited_total",
                "Requests refused by a rate limit, by how they came and what for",
                labels=["via", "what"],
            ),
            refusals.rate_limited,
        )


def _labelled(family: Family, counts: Mapping[Any, int], zeros: Iterable[str] = ()) -> Family:
    """`family` with a sample per key of `counts` (a label value, or a tuple of them), and one
    at 0 for each of `zeros` not counted yet."""
    for key, count in sorted({**dict.fromkeys(zeros, 0), **counts}.items()):
        family.add_metric(list(key) if isinstance(key, tuple) else [key], count)
    return family


def _cumulative(sizes: Counter[int]) -> list[tuple[str, float]]:
    """The histogram's buckets (cumulative counts, `+Inf` last) from batches counted by size."""
    buckets = [
        (str(float(bound)), float(sum(n for size, n in sizes.items() if size <= bound)))
        for bound in BATCH_SIZE_BUCKETS
    ]
    return [*buckets, ("+Inf", float(sizes.total()))]
