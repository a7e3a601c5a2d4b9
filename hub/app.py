"""`create_app(settings)`: wires resources, middlewares and routes; holds no logic of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from functools import partial

import structlog
from aiohttp import web
from pydantic import SecretStr

from bridges.identities import IdentityMap
from bridges.inbound import HubSink
from bridges.links import LinkIn, LinkTable
from bridges.message_map import MessageMap
from bridges.metrics import BridgeCollector
from bridges.outbox import OutboxSettings
from bridges.runtime import BridgeRuntime
from bridges.slack import SlackBridge, SlackSettings
from bridges.tools import BridgeFactory, BridgeTools
from hub.api import (
    accounts,
    admin_bridges,
    boards,
    health,
    link_codes,
    notifications,
    openapi,
    posts,
    rooms,
    tasks,
)
from hub.api.middleware import errors_as_json
from hub.api.routing import ApiRoutes, add_endpoints
from hub.appkeys import (
    BRIDGES,
    BROKER,
    CONNECTIONS,
    DATABASE,
    FANOUT,
    LOGIN_THROTTLE,
    METRICS,
    PASSWORDS,
    POSTING,
    PRESENCE,
    REFUSALS,
    RENDER_POOL,
    REVOKER,
    SECRET_KEY,
    SEND_THROTTLE,
    SETTINGS,
    WRITER,
)
from hub.auth.passwords import Passwords
from hub.auth.throttle import LoginThrottle
from hub.broker import InProcessBroker
from hub.db.engine import Database, create_engine
from hub.loop_lag import LoopLag
from hub.metrics import Metrics, metrics_middleware
from hub.ratelimit import SendThrottle
from hub.realtime.fanout import Fanout
from hub.realtime.open_connections import OpenConnections
from hub.realtime.presence import PresenceAnnouncer
from hub.realtime.revoker import Revoker
from hub.realtime.session_check import SessionCheck
from hub.realtime.ws import websocket
from hub.realtime_metrics import RealtimeCollector
from hub.refusals import Refusals
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
    admin_bridges.routes,
    link_codes.routes,
]


def create_app(
    settings: Settings, bridges: Sequence[BridgeFactory] | None = None
) -> web.Application:
    """The hub's application; `bridges` replaces the platform bridges the settings turn on
    (tests give their own)."""
    metrics = Metrics()
    app = web.Application(
        middlewares=[metrics_middleware(metrics), errors_as_json],
        client_max_size=settings.max_request_bytes,
    )
    app[SETTINGS] = settings
    app[PASSWORDS] = Passwords.from_settings(settings)
    app[METRICS] = metrics
    app[SECRET_KEY] = load_or_create_secret_key(settings)
    app[LOGIN_THROTTLE] = LoginThrottle(settings.login_failures_per_minute)
    app[SEND_THROTTLE] = SendThrottle(settings.send_rate_per_minute, settings.send_bytes_per_minute)
    app[REFUSALS] = Refusals()
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_render_pool)
    app.cleanup_ctx.append(_realtime)
    app.cleanup_ctx.append(partial(_bridges, platform_bridges=bridges))
    app.cleanup_ctx.append(_observed)
    app.on_shutdown.append(_close_sockets)
    endpoints = add_endpoints(app, API_TABLES)
    app.router.add_get("/ws", websocket)
    app.router.add_post("/bridges/slack/events", slack_events)
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
    """The broker between processes, this process's fan-out and sockets, the commit-then-publish
    writer and the one way posts come in through it."""
    settings = app[SETTINGS]
    if settings.redis_url:
        log.warning(
            "HUB_REDIS_URL is set, but the Redis broker is not built yet: events reach the "
            "sockets of this process only, so run one process"
        )
    broker = InProcessBroker()
    app[BROKER] = broker
    app[FANOUT] = Fanout(broker, app[DATABASE], replay_limit=settings.replay_max_events)
    app[WRITER] = Writer(
        app[DATABASE],
        broker,
        batch_max=settings.write_batch_max,
        commit_seconds=app[METRICS].commit_seconds.observe,
    )
    app[POSTING] = Posting(
        app[WRITER],
        app[SEND_THROTTLE],
        max_bytes=settings.max_message_bytes,
        renderer=app[RENDER_POOL],
    )
    app[PRESENCE] = PresenceAnnouncer(
        broker, app[FANOUT].online, interval_s=settings.presence_interval_s
    )
    app[REVOKER] = Revoker(app[FANOUT], app[PRESENCE])
    broker.start(app[REVOKER].deliver)
    tick_s = settings.ws_heartbeat_s / 2
    sessions = SessionCheck(
        app[DATABASE], every_ticks=max(1, round(settings.ws_session_check_s / tick_s))
    )
    app[CONNECTIONS] = OpenConnections(heartbeat_s=settings.ws_heartbeat_s, sessions=sessions)
    yield
    await app[WRITER].close()
    app[PRESENCE].close()
    await app[FANOUT].close()
    await broker.close()


def configured_bridges(settings: Settings) -> list[BridgeFactory]:
    """The platform bridges the configuration turns on."""
    factories: list[BridgeFactory] = []
    if "slack" in settings.configured_platforms:
        assert settings.slack_bot_token is not None
        slack = SlackSettings(
            bot_token=settings.slack_bot_token.get_secret_value(),
            app_token=secret(settings.slack_app_token),
            signing_secret=secret(settings.slack_signing_secret),
            api_url=str(settings.slack_api_url),
        )
        factories.append(partial(SlackBridge, slack))
    return factories


def secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


async def slack_events(request: web.Request) -> web.StreamResponse:
    """`POST /bridges/slack/events`: the Events API, answered by the Slack bridge if it runs."""
    bridge = request.app[BRIDGES].bridge("slack")
    if not isinstance(bridge, SlackBridge):
        raise web.HTTPNotFound()
    return await bridge.handle_http(request)


async def _bridges(
    app: web.Application, *, platform_bridges: Sequence[BridgeFactory] | None
) -> AsyncIterator[None]:
    """The link table, and the bridges with their outbox and supervisors."""
    settings = app[SETTINGS]
    database = app[DATABASE]
    tools = BridgeTools(
        LinkTable(), IdentityMap(database), MessageMap(database), settings.public_url
    )
    sink = HubSink(app[POSTING], tools)
    factories = configured_bridges(settings) if platform_bridges is None else platform_bridges
    runtime = BridgeRuntime(
        database,
        app[WRITER],
        sink,
        [make(tools) for make in factories],
        outbox_settings=OutboxSettings(
            max_backoff_s=settings.bridge_max_backoff_s,
            poll_s=settings.outbox_poll_s,
            give_up_s=settings.outbox_give_up_s,
            concurrency=settings.bridge_concurrency,
        ),
        links_refresh_s=settings.links_refresh_s,
    )
    app[BRIDGES] = runtime
    await runtime.start([LinkIn.model_validate(link.model_dump()) for link in settings.links])
    yield
    await runtime.stop()


async def _observed(app: web.Application) -> AsyncIterator[None]:
    """What /metrics reads of the real-time objects at each scrape, and the loop-lag timer."""
    metrics = app[METRICS]
    collector = RealtimeCollector(app[CONNECTIONS], app[FANOUT], app[WRITER], app[REFUSALS])
    metrics.registry.register(collector)
    bridges = BridgeCollector(app[BRIDGES])
    metrics.registry.register(bridges)
    lag = LoopLag(metrics.loop_lag.observe)
    lag.start()
    yield
    lag.stop()
    metrics.registry.unregister(collector)
    metrics.registry.unregister(bridges)
