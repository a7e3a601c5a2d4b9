"""The web dashboard (DESIGN §9): server-rendered Jinja2 pages and their static files."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from webui import login, pages
from webui.security import add_page_headers

_HERE = Path(__file__).parent


def add_routes(app: web.Application) -> None:
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    app.on_response_prepare.append(add_page_headers)
    app.router.add_static("/static/", _HERE / "static", name="static")
    router = app.router
    router.add_get("/login", login.login_page)
    router.add_post("/login", login.login_submit)
    router.add_post("/logout", login.logout_submit)
    router.add_get("/", pages.boards_page)
    router.add_post("/boards/", pages.create_board_submit)
    router.add_get(r"/boards/{id:\d+}/", pages.board_page)
    router.add_get(r"/messaging/board/{board_id:\d+}/rooms/", pages.rooms_page)
    router.add_get(r"/messaging/room/{id:\d+}/", pages.room_page)
    router.add_post(r"/messaging/room/{id:\d+}/", pages.post_message_submit)
    router.add_get(r"/messaging/task/{id:\d+}/comments/", pages.comments_page)
    router.add_post(r"/messaging/task/{id:\d+}/comments/", pages.post_comment_submit)
    router.add_get("/messaging/notifications/", pages.notifications_page)
    router.add_post("/messaging/notifications/read-all", pages.mark_all_read_submit)
