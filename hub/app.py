"""`create_app(settings)`: wires resources, middlewares and routes; holds no logic of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from hub.api import accounts, health, openapi
from hub.api.middleware import errors_as_json
from hub.api.routing import ApiRoutes, add_endpoints
from hub.appkeys import DATABASE, LOGIN_THROTTLE, METRICS, SECRET_KEY, SETTINGS
from hub.auth.throttle import LoginThrottle
from hub.db.engine import Database, create_engine
from hub.metrics import Metrics, metrics_middleware
from hub.settings import Settings, load_or_create_secret_key
from webui import routes as webui_routes

API_TABLES: list[ApiRoutes] = [accounts.routes, health.routes]


def create_app(settings: Settings) -> web.Application:
    metrics = Metrics()
    app = web.Application(
        middlewares=[metrics_middleware(metrics), errors_as_json],
        client_max_size=settings.max_request_bytes,
    )
    app[SETTINGS] = settings
    app[METRICS] = metrics
    app[SECRET_KEY] = load_or_create_secret_key(settings)
    app[LOGIN_THROTTLE] = LoginThrottle(settings.login_failures_per_minute)
    app.cleanup_ctx.append(_database)
    endpoints = add_endpoints(app, API_TABLES)
    openapi.add_openapi_route(app, endpoints)
    webui_routes.add_routes(app)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    database = Database(create_engine(app[SETTINGS].database_url))
    app[DATABASE] = database
    yield
    await database.close()
