"""`create_app(settings)`: wires resources, middlewares and routes; holds no logic of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from hub.api import accounts, boards, health, notifications, openapi, posts, rooms, tasks
from hub.api.middleware import errors_as_json
from hub.api.routing import ApiRoutes, add_endpoints
from hub.appkeys import (
    BROKER,
    CONNECTIONS,
    DATABASE,
    FANOUT,
    LOGIN_THROTTLE,
    METRICS,
    POSTING,
    PRESENCE,
    RENDER_POOL,
    SECRET_KEY,
    SEND_THROTTLE,
    SETTINGS,
    WRITER,
)
from hub.auth.passwords import configure_hashing
from hub.auth.throttle import LoginThrottle
from hub.broker import InProcessBroker
from hub.db.engine import Database, create_engine
from hub.metrics import Metrics, metrics_middleware
from hub.ratelimit import SendThrottle
from hub.realtime.connection import OpenConnections
from hub.realtime.fanout import Fanout
from hub.realtime.presence import PresenceAnnouncer
from hub.realtime.ws import websocket
from hub.render_pool import RenderPool
from hub.services.posting import Posting
from hub.services.writer import Writer
from hub.settings import Settings, load_or_create_secret_key
from webui import routes as webui_routes

log = structlog.get_logger(__name__)

API_TABLES: list[ApiRoutes] = [
    accounts.routes,
    boards.routes,
    tasks.routes,
    rooms.routes,
    posts.routes,
    notifications.routes,
    health.routes,
]


def create_app(settings: Settings) -> web.Application:
    metrics = Metrics()
    app = web.Application(
        middlewares=[metrics_middleware(metrics), errors_as_json],
        client_max_size=settings.max_request_bytes,
    )
    app[SETTINGS] = settings
    configure_hashing(settings.password_hash_time_cost, settings.password_hash_memory_kib)
    app[METRICS] = metrics
    app[SECRET_KEY] = load_or_create_secret_key(settings)
    app[LOGIN_THROTTLE] = LoginThrottle(settings.login_failures_per_minute)
    app[SEND_THROTTLE] = SendThrottle(settings.send_rate_per_minute, settings.send_bytes_per_minute)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_render_pool)
    app.cleanup_ctx.append(_realtime)
    app[CONNECTIONS] = OpenConnections(heartbeat_s=settings.ws_heartbeat_s)
    app.on_shutdown.append(_close_sockets)
    endpoints = add_endpoints(app, API_TABLES)
    app.router.add_get("/ws", websocket)
    openapi.add_openapi_route(app, endpoints)
    webui_routes.add_routes(app)
    return app


async def _close_sockets(app: web.Application) -> None:
    await app[CONNECTIONS].shut_down()


async def _database(app: web.Application) -> AsyncIterator[None]:
    database = Database(create_engine(app[SETTINGS].database_url))
    app[DATABASE] = database
    yield
    await database.close()


async def _render_pool(app: web.Application) -> AsyncIterator[None]:
    pool = RenderPool(app[SETTINGS].render_workers, app[SETTINGS].render_deadline_s)
    app[RENDER_POOL] = pool
    yield
    await pool.close()


async def _realtime(app: web.Application) -> AsyncIterator[None]:
    """The broker between processes, this process's fan-out, the commit-then-publish writer and
    the one way posts come in through it."""
    if app[SETTINGS].redis_url:
        log.warning(
            "HUB_REDIS_URL is set, but the Redis broker is not built yet: events reach the "
            "sockets of this process only, so run one process"
        )
    broker = InProcessBroker()
    app[BROKER] = broker
    app[FANOUT] = Fanout(broker, app[DATABASE], replay_limit=app[SETTINGS].replay_max_events)
    app[WRITER] = Writer(app[DATABASE], broker, batch_max=app[SETTINGS].write_batch_max)
    app[POSTING] = Posting(
        app[WRITER],
        app[SEND_THROTTLE],
        max_bytes=app[SETTINGS].max_message_bytes,
        renderer=app[RENDER_POOL],
    )
    app[PRESENCE] = PresenceAnnouncer(
        broker, app[FANOUT].online, interval_s=app[SETTINGS].presence_interval_s
    )
    yield
    await app[WRITER].close()
    app[PRESENCE].close()
    await app[FANOUT].close()
    await broker.close()
