"""The web dashboard as a browser sees it: server-rendered pages with their stable test hooks
(DESIGN §9), the login form and session cookie, CSRF on the dashboard's forms, 404 for what
the viewer may not see, and no script anywhere but /static."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from hub.appkeys import SETTINGS
from hub.auth.requests import SESSION_COOKIE
from hub.services.pagination import MAX_ID
from tests.conftest import DEFAULT_PASSWORD, Api, UserFactory

Client = TestClient[web.Request, web.Application]
XSS = "<img src=x onerror=alert(1)>"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class Html(HTMLParser):
    """Every element of a page with its attributes and the text inside it."""

    source: str
    elements: list[Element] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()
        self._open: list[Element] = []
        self.feed(self.source)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find(self, selector: str, value: str | None = None, **attrs: str) -> list[Element]:
        """Elements whose `selector` attribute is `value` (any value when None)."""
        return [
            element
            for element in self.elements
            if selector in element.attrs
            and (value is None or element.attrs[selector] == value)
            and all(element.attrs.get(name) == want for name, want in attrs.items())
        ]

    def one(self, selector: str, value: str | None = None, **attrs: str) -> Element:
        found = self.find(selector, value, **attrs)
        assert len(found) == 1, (selector, value, found)
        return found[0]

    def hook(self, testid: str) -> Element:
        return self.one("data-testid", testid)


async def get_page(client: Client, path: str) -> tuple[int, Html, Any]:
    async with client.get(path, allow_redirects=False) as response:
        return response.status, Html(await response.text()), response.headers


async def browser_login(client: Client, username: str, password: str = DEFAULT_PASSWORD) -> Any:
    client.session.cookie_jar.clear()
    async with client.post(
        "/login",
        data={"username": username, "password": password, "next": "/"},
        allow_redirects=False,
    ) as response:
        assert response.status == 303, await response.text()
        return response


def page_csrf(page: Html) -> str:
    token = page.one("name", "csrf-token").attrs["content"]
    assert token
    return token


def session_cookie(client: Client) -> str | None:
    cookies = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    morsel = cookies.get(SESSION_COOKIE)
    return morsel.value if morsel else None


@dataclass
class World:
    alice: Api
    board: int
    task: int
    room: int
    message: int


@pytest.fixture
async def world(make_user: UserFactory) -> World:
    """alice's board with a task, a room and a message; bob is on no board."""
    alice = await make_user("alice")
    await make_user("bob")
    _, board = await alice.post("/api/v1/boards", {"name": "Launch <plan>"})
    _, task = await alice.post(
        f"/api/v1/boards/{board['id']}/tasks", {"title": "Write docs", "status": "in_progress"}
    )
    _, room = await alice.post(f"/api/v1/boards/{board['id']}/rooms", {"name": "general"})
    status, message = await alice.post(
        f"/api/v1/rooms/{room['id']}/messages", {"body": f"{XSS} hello **team**"}
    )
    assert status == 201, message
    status, comment = await alice.post(
        f"/api/v1/tasks/{task['id']}/comments", {"body": "first <script>alert(2)</script>"}
    )
    assert status == 201, comment
    return World(alice, board["id"], task["id"], room["id"], message["id"])


def page_paths(world: World) -> list[str]:
    return [
        "/",
        f"/boards/{world.board}/",
        f"/messaging/board/{world.board}/rooms/",
        f"/messaging/room/{world.room}/",
        f"/messaging/task/{world.task}/comments/",
        "/messaging/notifications/",
    ]


async def test_login_page_has_the_form_hooks_and_no_session(client: Client) -> None:
    status, page, headers = await get_page(client, "/login")
    assert status == 200
    form = page.hook("login-form")
    assert (
        form.tag == "form" and form.attrs["method"] == "post" and form.attrs["action"] == "/login"
    )
    assert page.one("name", "username").tag == "input"
    assert page.one("name", "password").attrs["type"] == "password"
    assert "default-src 'self'" in headers["Content-Security-Policy"]


async def test_wrong_password_shows_an_error_and_sets_no_cookie(
    client: Client, make_user: UserFactory
) -> None:
    await make_user("alice")
    async with client.post(
        "/login", data={"username": "alice", "password": "nope"}, allow_redirects=False
    ) as response:
        assert response.status == 401
        page = Html(await response.text())
    assert "Wrong username or password" in page.one("role", "alert").text
    assert page.one("name", "username").attrs["value"] == "alice"
    assert session_cookie(client) is None


async def test_failed_logins_on_the_page_are_throttled(
    client: Client, make_user: UserFactory
) -> None:
    await make_user("alice")
    for _ in range(client.app[SETTINGS].login_failures_per_minute):
        async with client.post("/login", data={"username": "alice", "password": "x"}) as response:
            assert response.status == 401
    async with client.post(
        "/login", data={"username": "alice", "password": DEFAULT_PASSWORD}, allow_redirects=False
    ) as response:
        assert response.status == 429
        assert "Too many failed logins" in await response.text()
    assert session_cookie(client) is None


async def test_right_password_sets_the_session_cookie_and_redirects(
    client: Client, make_user: UserFactory
) -> None:
    await make_user("alice")
    response = await browser_login(client, "alice")
    assert response.headers["Location"] == "/"
    cookie = response.cookies[SESSION_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    status, page, _ = await get_page(client, "/")
    assert status == 200
    assert "Alice" in page.one("class", "viewer").text


@pytest.mark.parametrize(
    ("next_path", "location"),
    [("/messaging/notifications/", "/messaging/notifications/"), ("//evil.example/", "/")],
)
async def test_login_returns_to_a_local_next_path_only(
    client: Client, make_user: UserFactory, next_path: str, location: str
) -> None:
    await make_user("alice")
    async with client.post(
        "/login",
        data={"username": "alice", "password": DEFAULT_PASSWORD, "next": next_path},
        allow_redirects=False,
    ) as response:
        assert response.status == 303
        assert response.headers["Location"] == location


async def test_anonymous_pages_redirect_to_login_with_next(client: Client, world: World) -> None:
    for path in page_paths(world):
        async with client.get(path, allow_redirects=False) as response:
            assert response.status == 302, path
            assert response.headers["Location"].startswith("/login?next="), path
    async with client.get(f"/boards/{world.board}/") as response:  # following the redirect
        assert response.url.path == "/login"
        page = Html(await response.text())
    assert page.one("name", "next").attrs["value"] == f"/boards/{world.board}/"


async def test_every_page_renders_for_a_member_with_its_hooks(client: Client, world: World) -> None:
    await browser_login(client, "alice")
    for path in page_paths(world):
        status, page, headers = await get_page(client, path)
        assert status == 200, path
        assert headers["Content-Type"].startswith("text/html")
        assert page.hook("connection-state").attrs["data-state"] == "offline"
        assert page.hook("notification-badge").text.strip() == ""
        assert page_csrf(page)
        logout = page.one("action", "/logout")
        assert logout.attrs["method"] == "post"


async def test_boards_and_board_pages_show_what_the_services_return(
    client: Client, world: World
) -> None:
    await browser_login(client, "alice")
    _, boards, _ = await get_page(client, "/")
    links = [a.text for a in boards.find("href", f"/boards/{world.board}/")]
    assert links == ["Launch <plan>"]  # escaped in the HTML, the same text on screen
    assert "Launch &lt;plan&gt;" in boards.source
    _, board, _ = await get_page(client, f"/boards/{world.board}/")
    column = board.one("data-status", "in_progress")
    assert "Write docs" in column.text and "1 comment" in column.text
    assert board.one("data-status", "todo").text.count("comment") == 0
    assert "# general" in board.one("href", f"/messaging/room/{world.room}/").text


async def test_room_page_renders_messages_with_their_hooks_and_inert_html(
    client: Client, world: World
) -> None:
    await browser_login(client, "alice")
    _, page, _ = await get_page(client, f"/messaging/room/{world.room}/")
    assert page.hook("message-list").tag == "ol"
    message = page.one("data-testid", "message", **{"data-id": str(world.message)})
    assert message.attrs["id"] == f"message-{world.message}"
    assert page.hook("message-author").text.strip() == "Alice"
    body = page.hook("message-body")
    assert "hello team" in " ".join(body.text.split())
    assert page.find("src", "x") == [] and page.find("onerror") == []
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.source
    assert page.hook("composer").tag == "textarea"
    assert page.hook("typing").text.strip() == ""
    assert page.hook("presence").text.strip() == ""


async def test_comments_page_renders_comments_escaped(client: Client, world: World) -> None:
    await browser_login(client, "alice")
    _, page, _ = await get_page(client, f"/messaging/task/{world.task}/comments/")
    assert len(page.find("data-testid", "message")) == 1
    assert "first" in page.hook("message-body").text
    scripts = [element.attrs.get("src") for element in page.elements if element.tag == "script"]
    assert scripts == ["/static/app.js"]
    assert page.hook("composer").tag == "textarea"


async def test_no_inline_script_or_style_on_any_page(client: Client, world: World) -> None:
    status, login_page, _ = await get_page(client, "/login")
    pages = [login_page]
    await browser_login(client, "alice")
    for path in page_paths(world):
        status, page, headers = await get_page(client, path)
        assert status == 200
        assert headers["Content-Security-Policy"].startswith(
            "default-src 'self'; script-src 'self'"
        )
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        pages.append(page)
    for page in pages:
        for element in page.elements:
            assert not (element.tag == "script" and "src" not in element.attrs), element
            assert element.tag != "style", element
            assert not [name for name in element.attrs if name.startswith("on")], element
            assert "style" not in element.attrs, element


async def test_non_member_gets_404_for_board_room_and_task_pages(
    client: Client, world: World
) -> None:
    await browser_login(client, "bob")
    for path in page_paths(world)[1:5]:
        status, page, headers = await get_page(client, path)
        assert status == 404, path
        assert headers["Content-Type"].startswith("text/html")
        assert "Not found" in page.source
        assert "Launch" not in page.source and "general" not in page.source
    for path in ("/boards/999999/", f"/messaging/room/{MAX_ID * 10}/"):
        status, _, _ = await get_page(client, path)
        assert status == 404, path
    status, page, _ = await get_page(client, "/")
    assert status == 200 and page.find("href", f"/boards/{world.board}/") == []


async def test_a_board_member_outside_the_room_gets_404_for_it(
    client: Client, world: World
) -> None:
    status, body = await world.alice.post(
        f"/api/v1/boards/{world.board}/members", {"username": "bob"}
    )
    assert status == 201, body
    await browser_login(client, "bob")
    status, board, _ = await get_page(client, f"/boards/{world.board}/")
    assert status == 200
    assert board.find("href", f"/messaging/room/{world.room}/") == []
    status, _, _ = await get_page(client, f"/messaging/room/{world.room}/")
    assert status == 404
    status, _, _ = await get_page(client, f"/messaging/task/{world.task}/comments/")
    assert status == 200


async def test_creating_a_board_needs_the_csrf_token_and_a_name(
    client: Client, world: World
) -> None:
    await browser_login(client, "alice")
    async with client.post("/boards/", data={"name": "Sneaky"}) as response:
        assert response.status == 403
    _, page, _ = await get_page(client, "/")
    csrf = page_csrf(page)
    async with client.post("/boards/", data={"name": "  ", "csrf_token": csrf}) as response:
        assert response.status == 400
        assert "needs a name" in await response.text()
    async with client.post(
        "/boards/", data={"name": "Roadmap", "csrf_token": csrf}, allow_redirects=False
    ) as response:
        assert response.status == 303
        location = response.headers["Location"]
    status, board, _ = await get_page(client, location)
    assert status == 200 and board.one("data-status", "todo")
    _, boards, _ = await get_page(client, "/")
    names = [a.text for a in boards.elements if a.tag == "a" and "/boards/" in a.attrs["href"]]
    assert sorted(names) == ["Launch <plan>", "Roadmap"]
    assert not any("Sneaky" in name for name in names)


async def test_the_composer_form_posts_a_message_without_javascript(
    client: Client, world: World
) -> None:
    await browser_login(client, "alice")
    _, page, _ = await get_page(client, f"/messaging/room/{world.room}/")
    form = page.one("class", "composer")
    data = {"body": "from the form @bob", "csrf_token": page_csrf(page)}
    async with client.post(form.attrs["action"], data=data, allow_redirects=False) as response:
        assert response.status == 303
        assert response.headers["Location"] == f"/messaging/room/{world.room}/"
    _, page, _ = await get_page(client, f"/messaging/room/{world.room}/")
    bodies = [e.text.strip() for e in page.find("data-testid", "message-body")]
    assert bodies[-1] == "from the form @bob"
    status, messages = await world.alice.get(f"/api/v1/rooms/{world.room}/messages")
    assert status == 200, messages
    assert messages["items"][-1]["source"] == "web"
    async with client.post(form.attrs["action"], data={"body": "forged"}) as response:
        assert response.status == 403


async def test_notifications_page_lists_them_and_marks_all_read(
    client: Client, world: World
) -> None:
    status, body = await world.alice.post(
        f"/api/v1/boards/{world.board}/members", {"username": "bob"}
    )
    assert status == 201, body
    await browser_login(client, "bob")
    _, page, _ = await get_page(client, "/")
    assert page.hook("notification-badge").text.strip() == "1"
    _, page, _ = await get_page(client, "/messaging/notifications/")
    (item,) = page.find("data-testid", "notification")
    assert "Alice" in item.text and "Launch <plan>" in item.text
    assert "unread" in item.attrs["class"]
    button = page.hook("mark-all-read")
    assert button.tag == "button"
    async with client.post(
        "/messaging/notifications/read-all",
        data={"csrf_token": page_csrf(page)},
        allow_redirects=False,
    ) as response:
        assert response.status == 303
    _, page, _ = await get_page(client, "/messaging/notifications/")
    assert page.hook("notification-badge").text.strip() == ""
    (item,) = page.find("data-testid", "notification")
    assert "unread" not in item.attrs["class"]


async def test_logout_needs_the_csrf_token_and_then_clears_the_cookie(
    client: Client, world: World
) -> None:
    await browser_login(client, "alice")
    async with client.post("/logout", data={}, allow_redirects=False) as response:
        assert response.status == 403
    async with client.post(
        "/logout", data={"csrf_token": "0" * 64}, allow_redirects=False
    ) as response:
        assert response.status == 403
    status, page, _ = await get_page(client, "/")
    assert status == 200  # still logged in
    token = session_cookie(client)
    async with client.post(
        "/logout", data={"csrf_token": page_csrf(page)}, allow_redirects=False
    ) as response:
        assert response.status == 303
        assert response.headers["Location"] == "/login"
        assert response.cookies[SESSION_COOKIE].value == ""
    assert session_cookie(client) is None
    status, _, _ = await get_page(client, "/")
    assert status == 302
    status, body = await Api(client, token=token).get("/api/v1/me")
    assert status == 401, body  # the session itself is closed, not just the cookie


async def test_pages_load_their_script_and_styles_from_static(client: Client, world: World) -> None:
    await browser_login(client, "alice")
    _, page, _ = await get_page(client, f"/messaging/room/{world.room}/")
    (script,) = [element for element in page.elements if element.tag == "script"]
    assert script.attrs["type"] == "module"
    (stylesheet,) = page.find("rel", "stylesheet")
    for path, kind in ((script.attrs["src"], "javascript"), (stylesheet.attrs["href"], "css")):
        assert path.startswith("/static/")
        async with client.get(path) as response:
            assert response.status == 200, path
            assert kind in response.headers["Content-Type"]
            assert await response.text()


async def test_forms_posted_from_another_site_are_refused(client: Client, world: World) -> None:
    """A foreign Origin is refused even with a valid CSRF token, and so is a forged login."""
    foreign = {"Origin": "https://evil.example"}
    async with client.post(
        "/login",
        data={"username": "alice", "password": DEFAULT_PASSWORD},
        headers=foreign,
        allow_redirects=False,
    ) as response:
        assert response.status == 403
    assert session_cookie(client) is None
    await browser_login(client, "alice")
    _, page, _ = await get_page(client, "/")
    async with client.post(
        "/logout", data={"csrf_token": page_csrf(page)}, headers=foreign, allow_redirects=False
    ) as response:
        assert response.status == 403
    status, _, _ = await get_page(client, "/")
    assert status == 200  # still logged in
