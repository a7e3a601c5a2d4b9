"""Prometheus metrics, kept in a registry of the application's own (tests build many apps).

Here are the HTTP metrics and the histograms observed once per event of their own (a
committed batch, a loop-lag tick); what the real-time objects count on their hot paths is read
from them when /metrics is scraped (hub.realtime_metrics).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from hub import loop_lag

SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hub_http_requests",
            "HTTP requests served, by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "hub_http_request_duration_seconds",
            "HTTP request handling time",
            ["method", "route"],
            registry=self.registry,
        )
        self.commit_seconds = Histogram(
            "hub_commit_seconds",
            "Time of a committed write batch's transaction, from BEGIN to COMMIT",
            buckets=SECONDS_BUCKETS,
            registry=self.registry,
        )
        self.loop_lag = Histogram(
            "hub_event_loop_lag_seconds",
            f"How late the event loop ran a timer due every {loop_lag.INTERVAL_S} s",
            buckets=SECONDS_BUCKETS,
            registry=self.registry,
        )

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def route_template(request: web.Request) -> str:
    """The request's route as it was declared (`/api/v1/rooms/{id}`): a label's values must be
    few, and paths are not."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def metrics_middleware(metrics: Metrics) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def observe(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        route_name = route_template(request)
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            metrics.requests.labels(request.method, route_name, str(status)).inc()
            metrics.latency.labels(request.method, route_name).observe(
                time.perf_counter() - started
            )

    return observe
