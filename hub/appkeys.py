"""Typed keys for what the application holds; set up by `create_app`, read by handlers."""

from __future__ import annotations

from aiohttp import web

from hub.auth.throttle import LoginThrottle
from hub.db.engine import Database
from hub.metrics import Metrics
from hub.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
SECRET_KEY = web.AppKey("secret_key", bytes)
LOGIN_THROTTLE = web.AppKey("login_throttle", LoginThrottle)
METRICS = web.AppKey("metrics", Metrics)
