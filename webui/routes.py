"""The web dashboard (DESIGN §9): server-rendered Jinja2 pages and their static files."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from webui import account_pages, admin, link_code_page, login, member_pages, pages, room_pages
from webui.not_found import favicon, not_found_page
from webui.reading import follow_notification
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
    app.middlewares.append(not_found_page)
    app.middlewares.append(follow_notification)
    app.router.add_static("/static/", _HERE / "static", name="static")
    router = app.router
    router.add_get("/favicon.ico", favicon)
    router.add_get("/login", login.login_page)
    router.add_post("/login", login.login_submit)
    router.add_post("/logout", login.logout_submit)
    router.add_get("/", pages.boards_page)
    router.add_post("/boards/", pages.create_board_submit)
    router.add_get(r"/boards/{id:\d+}/", pages.board_page)
    router.add_get(r"/messaging/board/{board_id:\d+}/rooms/", pages.rooms_page)
    board_rooms = r"/messaging/board/{board_id:\d+}/rooms/create/"
    router.add_get(board_rooms, room_pages.create_room_page)
    router.add_post(board_rooms, room_pages.create_room_submit)
    router.add_get(r"/messaging/room/{id:\d+}/", pages.room_page)
    router.add_post(r"/messaging/room/{id:\d+}/", pages.post_message_submit)
    router.add_get(r"/messaging/task/{id:\d+}/comments/", pages.comments_page)
    router.add_post(r"/messaging/task/{id:\d+}/comments/", pages.post_comment_submit)
    add_member_routes(router)
    router.add_get("/messaging/notifications/", pages.notifications_page)
    router.add_post("/messaging/notifications/read-all", pages.mark_all_read_submit)
    router.add_get("/settings/", account_pages.settings_page)
    router.add_post("/settings/", account_pages.settings_submit)
    router.add_post("/settings/password", account_pages.password_submit)
    router.add_post("/settings/link-code", link_code_page.link_code_submit)
    add_admin_routes(router)


def add_admin_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/admin/", admin.overview_page)
    router.add_get("/admin/users/", admin.users_page)
    router.add_post("/admin/users/", admin.create_user_submit)
    router.add_get("/admin/boards/", admin.boards_page)
    router.add_get("/admin/rooms/", admin.rooms_page)
    router.add_get("/admin/messages/", admin.messages_page)
    router.add_post(r"/admin/messages/{id:\d+}/delete", admin.delete_message_submit)
    router.add_get("/admin/notifications/", admin.notifications_page)
    router.add_get("/admin/board-members/", admin.board_members_page)
    router.add_get("/admin/room-members/", admin.room_members_page)
    router.add_get("/admin/bridges/", admin.bridges_page)
    router.add_post(r"/admin/deliveries/{id:\d+}/retry", admin.retry_delivery_submit)
    router.add_post("/admin/identities/", admin.link_identity_submit)
    router.add_post(r"/admin/identities/{id:\d+}/remove", admin.unlink_identity_submit)


def add_member_routes(router: web.UrlDispatcher) -> None:
    board, room = r"/boards/{id:\d+}/members/", r"/messaging/room/{id:\d+}/members/"
    router.add_get(board, member_pages.board_members_page)
    router.add_post(board, member_pages.add_board_member_submit)
    router.add_post(board + "{name}/remove", member_pages.remove_board_member_submit)
    router.add_get(room, member_pages.room_members_page)
    router.add_post(room, member_pages.add_room_member_submit)
    router.add_post(room + "{name}/remove", member_pages.remove_room_member_submit)
