"""The dashboard's 404 page for addresses nothing answers (the API, the WebSocket and static
files keep the contract's JSON errors), and the favicon browsers ask for."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from hub.auth.requests import optional_viewer
from hub.errors import HubError, NotFound, wants_json
from webui.rendering import Handler, render_error

FAVICON = Path(__file__).parent / "static" / "favicon.svg"
FAVICON_MAX_AGE_S = 86_400


@web.middleware
async def not_found_page(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPNotFound:
        if wants_json(request):
            raise
    try:
        viewer = await optional_viewer(request)
    except HubError:  # a cookie write without its CSRF header: show the page to nobody
        viewer = None
    return await render_error(request, viewer, NotFound("There is no page at this address."))


async def favicon(_request: web.Request) -> web.FileResponse:
    """GET /favicon.ico: the SVG icon (browsers ask for this path whatever the page links)."""
    return web.FileResponse(
        FAVICON,
        headers={
            "Content-Type": "image/svg+xml",
            "Cache-Control": f"public, max-age={FAVICON_MAX_AGE_S}",
        },
    )
