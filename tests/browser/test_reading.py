"""Reading in a real Chromium (issue 13 items 3, 4, 8, 9, 11): following a notification marks
it read, reading a room or a task clears what notified the reader there, the board's counts and
badges and the notifications list follow live, the unread jump, and the tab title's count.

Each test uses a room of its own on the module's shared hub and starts with bob's notifications
read, so that the badge counts only what the test makes."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Login, Seed

LIVE_MS = 5_000  # generous on a busy machine; the hub delivers in milliseconds
BOARD_NAME = "Launch"  # the seeded board


def online(page: Page) -> Page:
    expect(page.locator('[data-testid="connection-state"]')).to_have_attribute(
        "data-state", "online", timeout=LIVE_MS
    )
    return page


def badge(page: Page) -> Locator:
    return page.locator('[data-testid="notification-badge"]')


def all_read(seed: Seed, username: str = "bob") -> None:
    status, _ = seed.api(username).post("/api/v1/notifications/read-all")
    assert status == 200


def post(seed: Seed, room: int, body: str, author: str = "alice") -> int:
    message_id: int = seed.api(author).created(f"/api/v1/rooms/{room}/messages", {"body": body})[
        "id"
    ]
    return message_id


def notification(page: Page, text: str) -> Locator:
    return page.locator('[data-testid="notification"]', has_text=text)


def room_item(page: Page, room: int) -> Locator:
    return page.locator(f'[data-room-id="{room}"]')


def test_following_a_notification_marks_it_read(login: Login, seed: Seed) -> None:
    room = seed.new_room("follow")
    all_read(seed)
    message_id = post(seed, room, "@bob the release notes are up")
    bob = online(login("bob", "/messaging/notifications/"))
    item = notification(bob, "the release notes are up")
    expect(item).to_have_attribute("data-read", "false")
    expect(item.locator('[data-testid="notification-place"]')).to_have_text(
        f"#follow · {BOARD_NAME}"
    )
    expect(badge(bob)).to_have_text("1")

    item.locator("a[href]").click()
    bob.wait_for_url(
        re.compile(rf"/messaging/room/{room}/\?notification=\d+#message-{message_id}$")
    )
    expect(bob.locator(f'[data-testid="message"][data-id="{message_id}"]')).to_be_in_viewport()
    expect(badge(bob)).to_have_text(re.compile("^0?$"))
    bob.goto(f"{seed.hub.url}/messaging/notifications/")
    expect(notification(bob, "the release notes are up")).to_have_attribute("data-read", "true")


def test_a_link_opened_in_a_new_tab_marks_it_read_on_the_server(login: Login, seed: Seed) -> None:
    """An added_to_room notification, which reading the room does not clear: only the link."""
    all_read(seed)
    room = seed.new_room("new-tab")
    bob = online(login("bob", "/messaging/notifications/"))
    item = notification(bob, "new-tab")
    expect(item).to_have_attribute("data-read", "false")
    expect(badge(bob)).to_have_text("1")
    href = item.locator("a[href]").get_attribute("href") or ""
    assert href.startswith(f"/messaging/room/{room}/?notification=")

    elsewhere = online(login("bob", href))  # what a middle click opens: no script of this page
    expect(badge(elsewhere)).to_have_text("")
    expect(badge(bob)).to_have_text("", timeout=LIVE_MS)  # live in the first tab
    expect(item).to_have_attribute("data-read", "true", timeout=LIVE_MS)


def test_reading_the_room_clears_its_mentions_live_in_another_tab(login: Login, seed: Seed) -> None:
    room = seed.new_room("three-mentions")
    all_read(seed)
    for n in range(3):
        post(seed, room, f"@bob question {n}")
    boards = online(login("bob", f"/boards/{seed.board}/"))
    expect(badge(boards)).to_have_text("3")

    online(login("bob", f"/messaging/room/{room}/"))
    expect(badge(boards)).to_have_text("", timeout=LIVE_MS)


def test_a_task_mention_badge_clears_live_when_the_task_is_read(login: Login, seed: Seed) -> None:
    all_read(seed)
    alice = seed.api("alice")
    task = alice.created(f"/api/v1/boards/{seed.board}/tasks", {"title": "Fix login"})["id"]
    board = online(login("bob", f"/boards/{seed.board}/"))
    card = board.locator(f'li.task[data-task-id="{task}"]')
    expect(card.locator(".mention-badge")).to_have_count(0)

    alice.created(f"/api/v1/tasks/{task}/comments", {"body": "@bob can you look?"})
    expect(card.locator(".mention-badge")).to_have_text("@1", timeout=LIVE_MS)
    expect(card).to_have_attribute("data-mentions", "1")

    comments = online(login("bob", f"/messaging/task/{task}/comments/"))
    expect(comments.locator('[data-testid="message"]')).to_have_count(1)
    expect(card.locator(".mention-badge")).to_have_count(0, timeout=LIVE_MS)
    expect(card).to_have_attribute("data-mentions", "0")
    expect(badge(board)).to_have_text("")


def test_board_room_counts_follow_new_messages_and_reading(login: Login, seed: Seed) -> None:
    room = seed.new_room("counting")
    board = online(login("bob", f"/boards/{seed.board}/"))
    rooms = online(login("bob", f"/messaging/board/{seed.board}/rooms/"))
    expect(room_item(board, room)).to_have_attribute("data-unread", "0")

    post(seed, room, "one")
    expect(room_item(board, room).locator(".unread-count")).to_have_text("1", timeout=LIVE_MS)
    post(seed, room, "two")
    post(seed, room, "mine", author="bob")  # one's own messages are not unread
    expect(room_item(board, room).locator(".unread-count")).to_have_text("2", timeout=LIVE_MS)
    expect(room_item(rooms, room).locator(".unread-count")).to_have_text("2", timeout=LIVE_MS)

    reader = online(login("bob", f"/messaging/room/{room}/"))
    expect(reader.locator('[data-testid="message"]')).to_have_count(3)
    for page in (board, rooms):
        expect(room_item(page, room)).to_have_attribute("data-unread", "0", timeout=LIVE_MS)
        expect(room_item(page, room).locator(".unread-count")).to_have_count(0)
    reader.close()
    post(seed, room, "three")
    expect(room_item(board, room).locator(".unread-count")).to_have_text("1", timeout=LIVE_MS)


def test_a_new_notification_appears_at_the_top_with_its_place(login: Login, seed: Seed) -> None:
    room = seed.new_room("live-list")
    bob = online(login("bob", "/messaging/notifications/"))
    items = bob.locator('[data-testid="notification"]')
    message_id = post(seed, room, "@bob fresh off the press")

    newest = items.first
    expect(newest).to_contain_text("fresh off the press", timeout=LIVE_MS)
    expect(newest).to_have_attribute("data-read", "false")
    expect(newest.locator('[data-testid="notification-place"]')).to_have_text(
        f"#live-list · {BOARD_NAME}"
    )
    href = newest.locator("a[href]").get_attribute("href") or ""
    assert re.fullmatch(rf"/messaging/room/{room}/\?notification=\d+#message-{message_id}", href)

    alice = seed.api("alice")
    task = alice.created(f"/api/v1/boards/{seed.board}/tasks", {"title": "Fix login"})["id"]
    alice.created(f"/api/v1/tasks/{task}/comments", {"body": "@bob and this one"})
    expect(items.first).to_contain_text("and this one", timeout=LIVE_MS)
    expect(items.first.locator('[data-testid="notification-place"]')).to_have_text(
        f"Task #{task} Fix login · {BOARD_NAME}"
    )
    bob.reload()  # the page renders the same as it showed live
    expect(items.first.locator('[data-testid="notification-place"]')).to_have_text(
        f"Task #{task} Fix login · {BOARD_NAME}"
    )

    online(login("bob", f"/messaging/room/{room}/"))  # reading the room, in another tab
    room_note = notification(bob, "fresh off the press")
    expect(room_note).to_have_attribute("data-read", "true", timeout=LIVE_MS)


def test_unread_jump_loads_back_to_the_first_unread(login: Login, seed: Seed) -> None:
    room = seed.new_room("backlog")
    all_read(seed)
    for number in range(1, 10):
        post(seed, room, f"message {number:03}")
    post(seed, room, "message 010 @bob")
    bob = online(login("bob", f"/messaging/room/{room}/"))
    bob.locator('[data-testid="message-list"]').evaluate("list => { list.scrollTop = 1e9; }")
    expect(badge(bob)).to_have_text("", timeout=LIVE_MS)  # read up to message 10, committed
    bob.close()
    for number in range(11, 121):
        post(seed, room, f"message {number:03}")

    bob = online(login("bob", f"/messaging/room/{room}/"))
    jump = bob.locator('[data-testid="unread-jump"]')
    expect(jump).to_contain_text("110 new messages")
    expect(bob.locator('[data-testid="unread-marker"]')).to_have_count(0)
    jump.get_by_role("button", name="Jump").click()

    first_unread = bob.locator('[data-testid="unread-marker"] + [data-testid="message"]')
    expect(first_unread).to_contain_text("message 011", timeout=LIVE_MS)
    expect(first_unread).to_be_in_viewport()
    expect(bob.locator('[data-testid="unread-marker"]')).to_be_in_viewport()
    expect(jump).to_have_count(0)


def test_no_jump_when_the_unread_fit_on_the_first_page(login: Login, seed: Seed) -> None:
    room = seed.new_room("short-backlog")
    post(seed, room, "just one")
    bob = online(login("bob", f"/messaging/room/{room}/"))
    expect(bob.locator('[data-testid="unread-marker"]')).to_have_count(1)
    expect(bob.locator('[data-testid="unread-jump"]')).to_have_count(0)


def test_tab_title_counts_unread_notifications_live(login: Login, seed: Seed) -> None:
    room = seed.new_room("title")
    all_read(seed)
    bob = online(login("bob", "/messaging/notifications/"))
    expect(bob).to_have_title("Notifications · TaskFlow Hub")
    for n in range(3):
        post(seed, room, f"@bob title {n}")
    expect(bob).to_have_title("(3) Notifications · TaskFlow Hub", timeout=LIVE_MS)
    bob.reload()
    expect(bob).to_have_title("(3) Notifications · TaskFlow Hub")
    online(bob)
    all_read(seed)
    expect(bob).to_have_title("Notifications · TaskFlow Hub", timeout=LIVE_MS)
