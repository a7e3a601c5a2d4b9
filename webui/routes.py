"""Dashboard pages. A placeholder home page until the web dashboard issue."""

from __future__ import annotations

from importlib.resources import files

from aiohttp import web

_INDEX = files("webui").joinpath("templates/index.html")


async def index(_request: web.Request) -> web.Response:
    return web.Response(text=_INDEX.read_text(encoding="utf-8"), content_type="text/html")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", index)
