"""`POST /api/v1/me/link-code`: a one-time code the logged-in user gives a platform bot
(`/taskflow link CODE` in Slack, `!link CODE` on Discord) to link their account there."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import BaseModel

from bridges.link_codes import issue_code
from hub.api.routing import ApiRoutes
from hub.appkeys import DATABASE, SETTINGS
from hub.auth.requests import require_viewer

routes = ApiRoutes(tag="me")


class LinkCodeOut(BaseModel):
    code: str
    expires_at: datetime


@routes.route(
    "POST", "/api/v1/me/link-code",
    summary="A one-time code that links a Slack or Discord account to yours",
    response=LinkCodeOut, status=201,
)  # fmt: skip
async def new_link_code(request: web.Request) -> LinkCodeOut:
    viewer = await require_viewer(request)
    issued = await issue_code(
        request.app[DATABASE], viewer.id, request.app[SETTINGS].link_code_ttl_s
    )
    return LinkCodeOut(code=issued.code, expires_at=issued.expires_at)
