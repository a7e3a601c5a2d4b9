"""Liveness, readiness and Prometheus metrics: no login needed."""

from __future__ import annotations

import asyncio
from typing import Literal

from aiohttp import web
from pydantic import BaseModel

from hub.api.middleware import error_response
from hub.api.routing import ApiRoutes
from hub.appkeys import DATABASE, METRICS

routes = ApiRoutes(tag="operations")
READY_TIMEOUT_S = 5.0  # a probe that hangs is worse than one that says "not ready"


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]


@routes.route("GET", "/healthz", summary="The process is up", response=HealthOut, auth=False)
async def healthz(request: web.Request) -> HealthOut:
    return HealthOut(status="ok")


@routes.route(
    "GET", "/readyz", summary="The database answers", response=ReadyOut, auth=False, errors=(503,)
)
async def readyz(request: web.Request) -> ReadyOut | web.StreamResponse:
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            await request.app[DATABASE].ping()
    except Exception as exc:  # any driver error means "not ready", which is the answer
        # The exception's type only: its text may carry the database URL and its password.
        return error_response(503, "unavailable", f"database unreachable: {type(exc).__name__}")
    return ReadyOut(status="ok", database="ok")


@routes.route("GET", "/metrics", summary="Prometheus metrics (text format)", auth=False)
async def metrics(request: web.Request) -> web.StreamResponse:
    body, content_type = request.app[METRICS].exposition()
    response = web.Response(body=body)
    response.headers["Content-Type"] = content_type
    return response
