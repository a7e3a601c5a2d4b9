"""Typed keys for what the application holds; set up by `create_app`, read by handlers."""

from __future__ import annotations

from aiohttp import web

from bridges.runtime import BridgeRuntime
from hub.auth.passwords import Passwords
from hub.auth.throttle import LoginThrottle
from hub.broker import Broker
from hub.db.engine import Database
from hub.metrics import Metrics
from hub.ratelimit import SendThrottle
from hub.realtime.fanout import Fanout
from hub.realtime.open_connections import OpenConnections
from hub.realtime.presence import PresenceAnnouncer
from hub.realtime.revoker import Revoker
from hub.refusals import Refusals
from hub.render_pool import RenderPool
from hub.services.posting import Posting
from hub.services.writer import Writer
from hub.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
SECRET_KEY = web.AppKey("secret_key", bytes)
PASSWORDS = web.AppKey("passwords", Passwords)
LOGIN_THROTTLE = web.AppKey("login_throttle", LoginThrottle)
METRICS = web.AppKey("metrics", Metrics)
SEND_THROTTLE = web.AppKey("send_throttle", SendThrottle)
REFUSALS = web.AppKey("refusals", Refusals)
BROKER = web.AppKey("broker", Broker)
FANOUT = web.AppKey("fanout", Fanout)
CONNECTIONS = web.AppKey("connections", OpenConnections)
WRITER = web.AppKey("writer", Writer)
RENDER_POOL = web.AppKey("render_pool", RenderPool)
POSTING = web.AppKey("posting", Posting)
PRESENCE = web.AppKey("presence", PresenceAnnouncer)
REVOKER = web.AppKey("revoker", Revoker)
BRIDGES = web.AppKey("bridges", BridgeRuntime)
