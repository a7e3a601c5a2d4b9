"""Browser tests: a real hub process driven by Debian's Chromium through Playwright (sync API).

Fixtures
- `hub` (module): a `python -m hub serve` process (`HubProcess`) on a free port, with its own
  SQLite database and data directory in a temporary folder; `hub.url` is its base URL
  (http://127.0.0.1:<port>). `hub.stop()` (Ctrl+C; True when it ended by itself) then
  `hub.start()` serves again on the same port and database; a test that leaves it stopped
  gets it started again by the next test's `login`.
- `seed` (module): users `admin`, `alice`, `bob`, `carol` (password `PASSWORD`, display names
  "Alice", "Bob", "Carol"); a board owned by alice with bob as member (`seed.board`), a room
  of alice and bob on it (`seed.room`), a task assigned to bob (`seed.task`). carol is on no
  board. `seed.api("bob")` is bob's API client (`.get(path)`, `.post(path, body)`,
  `.call(method, path, body)` → `(status, json)`); `seed.new_room(name)` adds a fresh room of
  alice and bob for a test that must not share one.
- `browser` (module): headless Chromium. Without Chromium the tests skip, or fail when the
  `CI` environment variable is set. Module scope on purpose: Playwright's sync API keeps its
  event loop marked running while it is started, which would break the asyncio tests that
  run after the browser tests.
- `login` (function): `login("alice", "/messaging/room/1/") -> Page` logs in through the login
  form (`form[data-testid="login-form"]`) in that user's own browser context and lands on the
  path (default "/"); keyword arguments go to that context (`timezone_id="Asia/Tokyo"`,
  `viewport={...}`). Calling it again for the same user opens another page of the same,
  logged-in context. `login.anonymous("/path")` is a page of a visitor who is not logged in.
  At the end of the test (passed or failed) every page is saved to
  `test-output/browser/<test name>-<user>[-<n>].png`. The test then fails if any dialog
  (alert, confirm, prompt) fired — unless marked `@pytest.mark.allow_dialogs` — or if a page
  raised an uncaught error or logged a console error other than a failed network load. What
  was seen is in `login.dialogs`, `login.page_errors`, `login.console_errors`.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    Playwright,
    WebError,
    sync_playwright,
)

from tests.browser.hub_process import Api, HubProcess, free_port

PASSWORD = "browser-test-password"
USERS = ("alice", "bob", "carol")
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # nothing leaves 127.0.0.1
]
ACTION_TIMEOUT_MS = 10_000
# Console errors that only say a network load failed: a 404 page, a socket to a stopped hub.
BENIGN_CONSOLE = re.compile(r"^(Failed to load resource|WebSocket connection to .* failed)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_dialogs: a browser test where alert/confirm/prompt may fire"
    )


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    process = HubProcess(tmp_path_factory.mktemp("hub"), free_port())
    process.start()
    try:
        yield process
    finally:
        process.stop()


@dataclass
class Seed:
    hub: HubProcess
    tokens: dict[str, str]
    board: int = 0
    room: int = 0
    task: int = 0

    def api(self, username: str) -> Api:
        return Api(self.hub.url, self.tokens[username])

    def new_room(self, name: str, members: tuple[str, ...] = ("bob",)) -> int:
        """A room of alice (its creator) and `members` on the seeded board."""
        room = self.api("alice").created(
            f"/api/v1/boards/{self.board}/rooms", {"name": name, "members": list(members)}
        )
        room_id: int = room["id"]
        return room_id


@pytest.fixture(scope="module")
def seed(hub: HubProcess) -> Seed:
    """Everything through the public API, as an administrator and the users would do it."""
    admin = hub.login("admin", hub.admin_password())
    for username in USERS:
        admin.created(
            "/api/v1/users",
            {"username": username, "password": PASSWORD, "display_name": username.title()},
        )
    tokens = {name: hub.login(name, PASSWORD).token or "" for name in USERS}
    tokens["admin"] = admin.token or ""
    seed = Seed(hub, tokens)
    alice = seed.api("alice")
    seed.board = alice.created("/api/v1/boards", {"name": "Launch"})["id"]
    alice.created(f"/api/v1/boards/{seed.board}/members", {"username": "bob"})
    seed.room = seed.new_room("general")
    seed.task = alice.created(
        f"/api/v1/boards/{seed.board}/tasks",
        {"title": "Write the launch post", "assignees": ["bob"]},
    )["id"]
    return seed


def chromium_path() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        reason = (
            "no Chromium found (apt-get install chromium; looked for /usr/bin/chromium, "
            "then chromium and chromium-browser on PATH)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"browser tests need Chromium in CI: {reason}", pytrace=False)
        pytest.skip(f"browser tests skipped: {reason}")
    playwright: Playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


class Login:
    """The browser side of one test: one context per user, and what their pages reported."""

    def __init__(self, browser: Browser, hub: HubProcess) -> None:
        self.browser = browser
        self.hub = hub
        self.contexts: dict[str, BrowserContext] = {}
        self.dialogs: list[str] = []
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []

    def __call__(self, username: str, path: str = "/", **context_options: Any) -> Page:
        """`context_options` (Playwright's new_context: `timezone_id`, `viewport`…) apply
        when this is the user's first page in the test."""
        if username in self.contexts:
            page = self.contexts[username].new_page()
            page.goto(self.hub.url + path)
            return page
        page = self._context(username, **context_options).new_page()
        page.goto(f"{self.hub.url}/login?next={quote(path)}")
        form = page.locator('form[data-testid="login-form"]')
        form.locator('input[name="username"]').fill(username)
        password = form.locator('input[name="password"]')
        password.fill(PASSWORD)
        with page.expect_navigation():
            password.press("Enter")
        if urlsplit(page.url).path == "/login":
            pytest.fail(f"login as {username} failed: {page.locator('main').inner_text()}")
        return page

    def anonymous(self, path: str) -> Page:
        """A page of someone who is not logged in."""
        page = self._context("anonymous").new_page()
        page.goto(self.hub.url + path)
        return page

    def _context(self, label: str, **options: Any) -> BrowserContext:
        context = self.browser.new_context(**options)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.on("dialog", self._on_dialog)
        context.on("weberror", self._on_page_error)
        context.on("console", self._on_console)
        self.contexts[label] = context
        return context

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _on_page_error(self, error: WebError) -> None:
        self.page_errors.append(str(error.error))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not BENIGN_CONSOLE.match(message.text):
            self.console_errors.append(message.text)

    def save_screenshots(self, folder: Path, test_name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^\w.-]+", "_", test_name)
        for label, context in self.contexts.items():
            for number, page in enumerate(context.pages, start=1):
                suffix = f"-{number}" if number > 1 else ""
                page.screenshot(path=folder / f"{stem}-{label}{suffix}.png", full_page=True)

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture
def login(request: pytest.FixtureRequest, browser: Browser, hub: HubProcess) -> Iterator[Login]:
    if not hub.running:  # a test that stopped the shared hub failed before starting it again
        hub.start()
    pages = Login(browser, hub)
    try:
        yield pages
    finally:
        try:
            pages.save_screenshots(
                request.config.rootpath / "test-output" / "browser", request.node.name
            )
        finally:
            pages.close()
    problems = []
    if pages.dialogs and request.node.get_closest_marker("allow_dialogs") is None:
        problems.append(f"a dialog fired: {pages.dialogs}")
    if pages.page_errors:
        problems.append(f"uncaught errors in the page: {pages.page_errors}")
    if pages.console_errors:
        problems.append(f"console errors: {pages.console_errors}")
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)
