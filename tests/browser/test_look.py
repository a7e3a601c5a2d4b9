"""How the dashboard looks and reads (issue 13: 2, 5, 6, 10, 11): times in the viewer's zone,
markdown that looks like markdown, no overflow at phone width, errors in plain sentences with
what was typed kept, mention highlights, a growing edit box, the task's status on its page and
a one-line header on a phone.

Each test uses a room of its own on the module's shared hub (see conftest.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Login, Seed
from tests.test_webui_pages import ADMIN_PAGES

LIVE_MS = 5_000  # generous on a busy machine; the hub delivers in milliseconds
PHONE = {"width": 360, "height": 740}


def room_url(room: int) -> str:
    return f"/messaging/room/{room}/"


def open_page(login: Login, username: str, path: str, **context: object) -> Page:
    page = login(username, path, **context)
    expect(page.locator('[data-testid="connection-state"]')).to_have_attribute(
        "data-state", "online", timeout=LIVE_MS
    )
    return page


def post(page: Page, text: str) -> Locator:
    return page.locator('[data-testid="message"]', has_text=text)


def clock(moment: datetime) -> str:
    """9:01 AM, as the page writes it."""
    return f"{moment.hour % 12 or 12}:{moment:%M} {moment:%p}"


def expected_short(iso: str, zone: str) -> str:
    """What a post written at `iso` (UTC) shows in `zone` now."""
    moment = datetime.fromisoformat(iso).astimezone(ZoneInfo(zone))
    today = datetime.now(ZoneInfo(zone)).date()
    if moment.date() == today:
        return clock(moment)
    if moment.date() == today - timedelta(days=1):
        return f"Yesterday {clock(moment)}"
    if moment.year == today.year:
        return f"{moment:%b} {moment.day}, {clock(moment)}"
    return f"{moment:%b} {moment.day}, {moment.year}"


def expect_local_time(page: Page, text: str, created_at: str, zone: str) -> None:
    time = post(page, text).locator('time[data-testid="message-time"]')
    expect(time).to_have_attribute("datetime", created_at)
    expect(time).to_have_text(expected_short(created_at, zone))
    moment = datetime.fromisoformat(created_at).astimezone(ZoneInfo(zone))
    title = time.get_attribute("title") or ""
    assert f"{moment:%A}, {moment:%B} {moment.day}, {moment.year}" in title, title
    assert f"{clock(moment)[:-3]}:{moment:%S} {moment:%p}" in title, title


# --- 2. times in the viewer's zone ----------------------------------------------------------


def test_times_show_in_the_profile_zone_else_the_browsers(login: Login, seed: Seed) -> None:
    room = seed.new_room("times")
    status, me = seed.api("bob").call("PATCH", "/api/v1/me", {"time_zone": "America/New_York"})
    assert status == 200 and me["time_zone"] == "America/New_York", me
    status, me = seed.api("alice").get("/api/v1/me")
    assert status == 200 and me["time_zone"] is None  # never chosen: the browser's zone
    first = seed.api("alice").created(f"/api/v1/rooms/{room}/messages", {"body": "first one"})

    alice = open_page(login, "alice", room_url(room), timezone_id="Asia/Tokyo")
    bob = open_page(login, "bob", room_url(room), timezone_id="Europe/Paris")  # profile wins
    expect_local_time(alice, "first one", first["created_at"], "Asia/Tokyo")
    expect_local_time(bob, "first one", first["created_at"], "America/New_York")
    assert expected_short(first["created_at"], "Asia/Tokyo") != expected_short(
        first["created_at"], "America/New_York"
    )

    bob.locator('[data-testid="composer"]').fill("live one")
    bob.locator('[data-testid="composer"]').press("Enter")
    expect(post(alice, "live one")).to_have_count(1, timeout=LIVE_MS)
    created = post(alice, "live one").locator("time").get_attribute("datetime") or ""
    expect_local_time(alice, "live one", created, "Asia/Tokyo")
    expect_local_time(bob, "live one", created, "America/New_York")
    seed.api("bob").call("PATCH", "/api/v1/me", {"time_zone": None})


def test_older_times_read_as_yesterday_a_date_or_a_year(login: Login, seed: Seed) -> None:
    page = open_page(login, "alice", "/", timezone_id="Asia/Tokyo")
    now = "2026-12-01T09:00:00Z"  # 18:00 in Tokyo
    cases = {
        "2026-12-01T00:01:00Z": "9:01 AM",
        "2026-11-30T08:40:00Z": "Yesterday 5:40 PM",
        "2026-11-30T14:59:00Z": "Yesterday 11:59 PM",
        "2026-11-29T14:59:00Z": "Nov 29, 11:59 PM",
        "2026-01-03T00:01:00Z": "Jan 3, 9:01 AM",
        "2025-11-03T00:01:00Z": "Nov 3, 2025",
    }
    shown = page.evaluate(
        """async ([now, moments]) => {
            const { shortTime } = await import("/static/times.js");
            return moments.map((moment) => shortTime(new Date(moment), new Date(now)));
        }""",
        [now, list(cases)],
    )
    assert shown == list(cases.values())


# --- 5. markdown looks like markdown ----------------------------------------------------------

MARKDOWN = (
    "Plan:\n\n- one\n- two\n  - nested\n\n1. first\n2. second\n\n> quoted words\n\n```\ncode\n```"
)


def test_markdown_lists_quotes_and_code_look_like_markdown(login: Login, seed: Seed) -> None:
    room = seed.new_room("markdown")
    seed.api("bob").created(f"/api/v1/rooms/{room}/messages", {"body": MARKDOWN})
    alice = open_page(login, "alice", room_url(room))
    body = post(alice, "quoted words").locator('[data-testid="message-body"]')

    def style(selector: str, prop: str) -> str:
        value: str = body.locator(selector).first.evaluate(
            f"(element) => getComputedStyle(element).{prop}"
        )
        return value

    assert style("ul", "listStyleType") == "disc"
    assert style("ul ul", "listStyleType") == "circle"
    assert style("ol", "listStyleType") == "decimal"
    assert float(style("ul", "paddingLeft").removesuffix("px")) > 0
    assert style("blockquote", "borderLeftStyle") == "solid"
    assert float(style("blockquote", "borderLeftWidth").removesuffix("px")) >= 2
    assert "mono" in style("pre", "fontFamily")
    assert style("pre", "overflowX") == "auto"


# --- 6. overflow ----------------------------------------------------------------------------

LONG_NAME = "a-room-name-that-goes-on-" + "and-on-" * 7 + "x" * 6  # 80 characters
LONG_WORD = "w" * 300
LONG_URL = "https://example.com/" + "/".join(["segment"] * 30)


def page_overflow(page: Page) -> list[str]:
    """The elements wider than the window, if the page scrolls sideways."""
    found: list[str] = page.evaluate(
        """() => {
            if (document.documentElement.scrollWidth <= window.innerWidth) return [];
            return [...document.querySelectorAll("body *")]
                .filter((element) => element.getBoundingClientRect().right > window.innerWidth)
                .slice(-5).map((element) => element.outerHTML.slice(0, 120));
        }"""
    )
    return found


def test_nothing_scrolls_sideways_at_phone_width(login: Login, seed: Seed) -> None:
    assert len(LONG_NAME) == 80
    admin = seed.api("admin")
    admin.created(
        "/api/v1/users", {"username": "root", "password": "browser-test-password", "is_admin": True}
    )
    alice = seed.api("alice")
    board = alice.created("/api/v1/boards", {"name": LONG_NAME})["id"]
    alice.created(f"/api/v1/boards/{board}/members", {"username": "bob"})
    room = alice.created(f"/api/v1/boards/{board}/rooms", {"name": LONG_NAME, "members": ["bob"]})[
        "id"
    ]
    task = alice.created(f"/api/v1/boards/{board}/tasks", {"title": LONG_NAME})["id"]
    body = f"@alice look {LONG_WORD} at {LONG_URL}\n\n```\n{LONG_WORD}\n```"
    seed.api("bob").created(f"/api/v1/rooms/{room}/messages", {"body": body})
    seed.api("bob").created(f"/api/v1/tasks/{task}/comments", {"body": body})

    pages = [
        "/",
        f"/boards/{board}/",
        f"/messaging/board/{board}/rooms/",
        f"/messaging/board/{board}/rooms/create/",
        room_url(room),
        f"/messaging/task/{task}/comments/",
        "/messaging/notifications/",
        "/settings/",
    ]
    page = login("alice", "/", viewport=PHONE)
    wide = {}
    for path in pages:
        page.goto(login.hub.url + path)
        if found := page_overflow(page):
            wide[path] = found
    for path in ("/", f"/boards/{board}/", room_url(room)):
        page.goto(login.hub.url + path)
        name = page.get_by_title(LONG_NAME).first
        expect(name).to_be_visible()
        assert name.evaluate("(e) => e.scrollWidth > e.clientWidth"), path  # cut with an ellipsis
    admin_page = login("root", "/admin/", viewport=PHONE)
    for path in ADMIN_PAGES:
        admin_page.goto(login.hub.url + path)
        if found := page_overflow(admin_page):
            wide[path] = found
    assert wide == {}


# --- 10. plain errors, fields kept ------------------------------------------------------------


def alert(page: Page) -> Locator:
    return page.locator('main [role="alert"]')


def test_form_errors_are_sentences_and_keep_what_was_typed(login: Login, seed: Seed) -> None:
    page = login("alice", "/settings/")
    profile = page.locator('[data-testid="settings-form"]')
    profile.locator('input[name="display_name"]').fill("Alice in Chains")
    profile.locator('input[name="email"]').evaluate("(input) => { input.type = 'text'; }")
    profile.locator('input[name="email"]').fill("not an address")
    with page.expect_navigation():
        profile.locator('button[type="submit"]').click()
    expect(alert(page)).to_have_text("The e-mail address does not look like an e-mail address.")
    expect(profile.locator('input[name="display_name"]')).to_have_value("Alice in Chains")
    expect(profile.locator('input[name="email"]')).to_have_attribute("aria-invalid", "true")

    password = page.locator('[data-testid="password-form"]')
    password.locator('input[name="current_password"]').fill("browser-test-password")
    password.locator('input[name="password"]').fill("short")
    password.locator('input[name="password_confirm"]').fill("short")
    with page.expect_navigation():
        password.locator('button[type="submit"]').click()
    expect(alert(page)).to_have_text("The password must be at least 8 characters long.")
    expect(password.locator('input[name="password"]')).to_have_value("")  # never sent back
    expect(page.locator('input[name="display_name"]')).to_have_value("Alice")  # as saved

    page.goto(login.hub.url + f"/messaging/board/{seed.board}/rooms/create/")
    form = page.locator('[data-testid="create-room-form"]')
    form.locator('input[name="name"]').evaluate("(input) => input.removeAttribute('maxlength')")
    form.locator('input[name="name"]').fill("n" * 81)
    form.locator('textarea[name="description"]').fill("Where the mockups go")
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    expect(alert(page)).to_have_text("The room name can be at most 80 characters long.")
    expect(form.locator('input[name="name"]')).to_have_value("n" * 81)
    expect(form.locator('textarea[name="description"]')).to_have_value("Where the mockups go")


def test_a_refused_send_reads_as_a_sentence_and_keeps_the_text(login: Login, seed: Seed) -> None:
    room = seed.new_room("too-long")
    bob = open_page(login, "bob", room_url(room))
    composer = bob.locator('[data-testid="composer"]')
    text = "x" * 16_385
    composer.fill(text)
    composer.press("Enter")
    toast = bob.locator('[data-testid="toast"]')
    expect(toast).to_contain_text("Messages can be at most 16384 bytes (16 KB).", timeout=LIVE_MS)
    expect(composer).to_have_value(text)


# --- 11. mentions, growing boxes, the task's facts, the phone header --------------------------


def test_mentions_are_highlighted_and_the_viewers_own_more(login: Login, seed: Seed) -> None:
    room = seed.new_room("mentions")
    seed.api("alice").created(f"/api/v1/rooms/{room}/messages", {"body": "hey @bob and @carol"})
    bob = open_page(login, "bob", room_url(room))
    marks = post(bob, "hey").locator(".mention")
    expect(marks).to_have_count(2)
    expect(bob.locator('.mention[data-username="bob"]')).to_have_class("mention me")
    expect(bob.locator('.mention[data-username="carol"]')).to_have_class("mention")

    alice = open_page(login, "alice", room_url(room))
    alice.locator('[data-testid="composer"]').fill("live for **@Bob**, `@alice` in code")
    alice.locator('[data-testid="composer"]').press("Enter")
    live = post(bob, "live for")
    expect(live.locator('.mention[data-username="bob"]')).to_have_class(
        "mention me", timeout=LIVE_MS
    )
    expect(live.locator(".mention")).to_have_count(1)  # code is not a mention
    expect(post(alice, "hey").locator('.mention[data-username="bob"]')).to_have_class("mention")
    me, other = (
        bob.locator(f'.mention[data-username="{name}"]').first.evaluate(
            "(e) => getComputedStyle(e).backgroundColor"
        )
        for name in ("bob", "carol")
    )
    assert me != other


def test_typing_and_presence_show_display_names(login: Login, seed: Seed) -> None:
    room = seed.new_room("names")
    alice = open_page(login, "alice", room_url(room))
    bob = open_page(login, "bob", room_url(room))
    expect(bob.locator('[data-testid="presence"]')).to_contain_text("Alice", timeout=LIVE_MS)
    expect(alice.locator('[data-testid="presence"]')).to_contain_text("Bob", timeout=LIVE_MS)
    alice.locator('[data-testid="composer"]').press_sequentially("hello")
    expect(bob.locator('[data-testid="typing"]')).to_have_text("Alice is typing…", timeout=LIVE_MS)


def test_the_edit_box_and_the_composer_grow_with_their_text(login: Login, seed: Seed) -> None:
    room = seed.new_room("growing")
    alice = open_page(login, "alice", room_url(room))
    composer = alice.locator('[data-testid="composer"]')
    before = composer.bounding_box()
    composer.fill("\n".join(f"line {n}" for n in range(8)))
    composer.dispatch_event("input")
    grown = composer.bounding_box()
    assert before and grown and grown["height"] > before["height"] + 50
    composer.press("Enter")
    mine = post(alice, "line 7")
    expect(mine).to_have_count(1, timeout=LIVE_MS)
    assert (composer.bounding_box() or {"height": 0})["height"] < grown["height"]  # emptied

    mine.locator('[data-testid="edit-post"]').click()
    box = alice.locator('[data-testid="edit-box"]')
    start = box.bounding_box()
    box.press("End")
    for n in range(8):
        box.press("Shift+Enter")
        box.press_sequentially(f"more {n}")
    end = box.bounding_box()
    assert start and end and end["height"] > start["height"] + 50, (start, end)


def test_the_task_page_shows_its_status_and_assignees(login: Login, seed: Seed) -> None:
    page = open_page(login, "alice", f"/messaging/task/{seed.task}/comments/")
    expect(page.locator('[data-testid="task-status"]')).to_have_text("todo")
    assignees = page.locator('[data-testid="task-assignee"]')
    expect(assignees).to_have_count(1)
    expect(assignees).to_have_text("Bob")
    expect(assignees).to_have_attribute("data-username", "bob")


def test_the_header_is_one_line_on_a_phone(login: Login, seed: Seed) -> None:
    seed.api("bob").created(f"/api/v1/rooms/{seed.room}/messages", {"body": "@alice header"})
    page = open_page(login, "alice", "/", viewport=PHONE)
    header = page.locator("header.topbar")
    box = header.bounding_box()
    assert box and box["height"] <= 56, box
    for hook in ("notification-badge", "connection-state"):
        expect(page.locator(f'[data-testid="{hook}"]')).to_be_visible()
    assert page_overflow(page) == []
