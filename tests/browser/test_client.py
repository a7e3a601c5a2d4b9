"""The dashboard's live client in a real browser: @mention autocomplete, edit and delete seen
live by the other person, history loaded by scrolling up, the unread marker, error toasts.

Each test uses a room of its own on the module's shared hub (see conftest.py)."""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest
from playwright.sync_api import Locator, Page, WebSocket, expect

from tests.browser.conftest import Login, Seed

LIVE_MS = 5_000  # generous on a busy machine; the hub delivers in milliseconds
HUB_MAX_MESSAGE_BYTES = 16_384  # the default limit the test hub runs with


def room_url(room: int) -> str:
    return f"/messaging/room/{room}/"


def open_room(login: Login, username: str, room: int) -> Page:
    page = login(username, room_url(room))
    expect(page.locator('[data-testid="connection-state"]')).to_have_attribute(
        "data-state", "online", timeout=LIVE_MS
    )
    return page


def message(page: Page, text: str) -> Locator:
    return page.locator('[data-testid="message"]', has_text=text)


def bodies(page: Page) -> list[str]:
    return page.locator('[data-testid="message-body"]').all_inner_texts()


def test_mention_autocomplete_raises_the_badge_live_until_read(login: Login, seed: Seed) -> None:
    room = seed.new_room("mention-check")
    alice = open_room(login, "alice", room)
    alice_elsewhere = open_room(login, "alice", seed.room)  # a second tab of hers
    # Her tab on the room is in the background (headless pages all report the focus): were she
    # looking at it, reading the mention there would clear it at once (test_reading.py).
    alice.evaluate("() => { document.hasFocus = () => false; }")
    badge = alice.locator('[data-testid="notification-badge"]')
    other_badge = alice_elsewhere.locator('[data-testid="notification-badge"]')
    expect(badge).to_have_text("")
    bob = open_room(login, "bob", room)
    composer = bob.locator('[data-testid="composer"]')
    suggestions = bob.locator('[data-testid="mention-suggestions"]')

    composer.press_sequentially("look @al")
    expect(suggestions).to_be_visible()
    expect(suggestions).to_have_attribute("role", "listbox")
    options = suggestions.locator('[role="option"]')
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("@alice")
    expect(options.first).to_contain_text("Alice")
    expect(options.first).to_have_attribute("aria-selected", "true")
    composer.press("Enter")  # picks; does not send
    expect(composer).to_have_value("look @alice ")
    expect(suggestions).to_be_hidden()
    expect(bob.locator('[data-testid="message"]')).to_have_count(0)

    composer.press_sequentially("the draft is up")
    composer.press("Enter")
    expect(message(bob, "look @alice the draft is up")).to_be_visible(timeout=LIVE_MS)
    expect(composer).to_have_value("")
    expect(message(alice, "look @alice the draft is up")).to_be_visible(timeout=LIVE_MS)
    expect(badge).to_have_text("1", timeout=LIVE_MS)
    expect(other_badge).to_have_text("1", timeout=LIVE_MS)

    alice.locator(".notifications-link").click()
    notification = alice.locator('[data-testid="notification"]', has_text="the draft is up")
    expect(notification).to_be_visible()
    alice.locator('[data-testid="mark-all-read"]').click()
    expect(alice.locator('[data-testid="notification-badge"]')).to_have_text(re.compile("^0?$"))
    expect(other_badge).to_have_text(re.compile("^0?$"), timeout=LIVE_MS)  # live, no reload


def test_mention_list_keyboard_and_mouse(login: Login, seed: Seed) -> None:
    room = seed.new_room("mention-keys")
    bob = open_room(login, "bob", room)
    composer = bob.locator('[data-testid="composer"]')
    suggestions = bob.locator('[data-testid="mention-suggestions"]')
    options = suggestions.locator('[role="option"]')

    composer.press_sequentially("@")
    # Who can see the room (not bob himself, not carol who is outside it) and @room.
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_contain_text("@alice")
    expect(options.nth(1)).to_contain_text("@room")
    composer.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    second_id = options.nth(1).get_attribute("id")
    expect(composer).to_have_attribute("aria-activedescendant", second_id or "")
    composer.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    composer.press("Escape")
    expect(suggestions).to_be_hidden()
    expect(composer).to_have_value("@")

    composer.press_sequentially("ro")
    expect(options).to_have_count(1)
    options.first.click()
    expect(composer).to_have_value("@room ")
    expect(composer).to_be_focused()
    expect(suggestions).to_be_hidden()

    composer.press_sequentially("and @nobody")
    expect(suggestions).to_be_hidden()


@pytest.mark.allow_dialogs
def test_edit_and_delete_of_own_message_show_live(login: Login, seed: Seed) -> None:
    room = seed.new_room("edits")
    alice = open_room(login, "alice", room)
    bob = open_room(login, "bob", room)
    alice.locator('[data-testid="composer"]').press_sequentially("frist draft")
    alice.locator('[data-testid="composer"]').press("Enter")
    mine = message(alice, "frist draft")
    theirs = message(bob, "frist draft")
    expect(theirs).to_be_visible(timeout=LIVE_MS)
    expect(theirs.locator('[data-testid="edit-post"]')).to_have_count(0)  # not bob's to edit

    mine.locator('[data-testid="edit-post"]').click()
    editor = mine.locator('[data-testid="edit-box"]')
    expect(editor).to_have_value("frist draft")
    editor.fill("abandoned")
    editor.press("Escape")
    expect(editor).to_have_count(0)
    expect(mine.locator('[data-testid="message-body"]')).to_have_text("frist draft")

    mine.locator('[data-testid="edit-post"]').click()
    editor.fill("   ")
    editor.press("Enter")  # the hub refuses an empty message: told, still editing
    expect(alice.locator('[data-testid="toast"]')).to_contain_text("must not be empty")
    expect(editor).to_be_visible()
    editor.fill("first **draft**")
    editor.press("Enter")
    edited = bob.locator('[data-testid="message"]', has_text="first draft")
    expect(edited).to_be_visible(timeout=LIVE_MS)
    expect(edited.locator("strong")).to_have_text("draft")  # rendered markdown
    expect(edited).to_contain_text("(edited)")
    expect(message(alice, "first draft").locator('[data-testid="edit-box"]')).to_have_count(0)

    message_id = edited.get_attribute("data-id")
    alice_post = alice.locator(f'[data-testid="message"][data-id="{message_id}"]')
    bob_post = bob.locator(f'[data-testid="message"][data-id="{message_id}"]')
    alice_post.locator('[data-testid="delete-post"]').click()  # the confirm is dismissed
    assert login.dialogs == ["confirm: Delete this message?"]
    expect(alice_post).to_contain_text("first draft")

    alice.context.remove_listener("dialog", login._on_dialog)
    alice.once("dialog", lambda dialog: dialog.accept())
    alice_post.locator('[data-testid="delete-post"]').click()
    expect(bob_post).to_contain_text("This message was deleted.", timeout=LIVE_MS)
    expect(bob_post).not_to_contain_text("first draft")
    expect(bob_post).not_to_contain_text("(edited)")
    expect(alice_post).to_contain_text("This message was deleted.")
    expect(alice_post.locator('[data-testid="delete-post"]')).to_have_count(0)


def test_scrolling_up_loads_older_messages_in_order(login: Login, seed: Seed) -> None:
    room = seed.new_room("history")
    alice_api = seed.api("alice")
    total = 120  # more than two pages of the default 50
    for number in range(1, total + 1):
        alice_api.created(f"/api/v1/rooms/{room}/messages", {"body": f"message {number:03}"})
    bob = open_room(login, "bob", room)
    messages = bob.locator('[data-testid="message"]')
    expect(messages).to_have_count(50)
    assert bodies(bob)[0] == "message 071"
    edge = bob.locator('[data-testid="history-state"]')
    message_list = bob.locator('[data-testid="message-list"]')

    message_list.evaluate("list => { list.scrollTop = 0; }")
    expect(messages).to_have_count(100, timeout=LIVE_MS)
    # The reader's place is kept: what was at the top is still in view, not pushed away.
    expect(message(bob, "message 071")).to_be_in_viewport()
    assert message_list.evaluate("list => list.scrollTop") > 0

    message_list.evaluate("list => { list.scrollTop = 0; }")
    expect(edge).to_have_text("Beginning of the conversation", timeout=LIVE_MS)
    expect(messages).to_have_count(total)
    assert bodies(bob) == [f"message {number:03}" for number in range(1, total + 1)]
    # bob has read nothing here: the marker settles before the very first message.
    first_unread = bob.locator('[data-testid="unread-marker"] + [data-testid="message"]')
    expect(first_unread).to_contain_text("message 001")


def test_unread_marker_until_read(login: Login, seed: Seed) -> None:
    room = seed.new_room("unread")
    alice_api = seed.api("alice")
    alice_api.created(f"/api/v1/rooms/{room}/messages", {"body": "seen before"})
    bob = open_room(login, "bob", room)
    marker = bob.locator('[data-testid="unread-marker"]')
    expect(marker).to_have_text("New messages")  # a fresh member has read nothing
    bob.wait_for_timeout(300)  # let the read frame for "seen before" reach the hub
    bob.close()

    alice_api.created(f"/api/v1/rooms/{room}/messages", {"body": "new one"})
    alice_api.created(f"/api/v1/rooms/{room}/messages", {"body": "newer one"})
    bob = open_room(login, "bob", room)
    marker = bob.locator('[data-testid="unread-marker"]')
    expect(marker).to_have_count(1)
    after_marker = bob.locator('[data-testid="unread-marker"] + [data-testid="message"]')
    expect(after_marker).to_contain_text("new one")
    bob.wait_for_timeout(300)
    bob.reload()
    expect(bob.locator('[data-testid="connection-state"]')).to_have_attribute(
        "data-state", "online"
    )
    expect(message(bob, "newer one")).to_be_visible()
    expect(bob.locator('[data-testid="unread-marker"]')).to_have_count(0)


def test_refused_send_shows_a_toast_and_keeps_the_draft(login: Login, seed: Seed) -> None:
    room = seed.new_room("refusals")
    bob = open_room(login, "bob", room)
    composer = bob.locator('[data-testid="composer"]')
    too_long = "x" * (HUB_MAX_MESSAGE_BYTES + 1)
    composer.fill(too_long)
    composer.press("Enter")
    toast = bob.locator('[data-testid="toast"]')
    expect(toast).to_be_visible(timeout=LIVE_MS)
    expect(toast).to_have_attribute("role", "alert")
    expect(toast).to_contain_text(f"at most {HUB_MAX_MESSAGE_BYTES} bytes")
    expect(composer).to_have_value(too_long)
    expect(bob.locator('[data-testid="message"]')).to_have_count(0)
    toast.get_by_role("button", name="Dismiss").click()
    expect(toast).to_have_count(0)


def test_comment_mentions_offer_the_board_members(login: Login, seed: Seed) -> None:
    bob = login("bob", f"/messaging/task/{seed.task}/comments/")
    composer = bob.locator('[data-testid="composer"]')
    composer.press_sequentially("@")
    options = bob.locator('[data-testid="mention-suggestions"] [role="option"]')
    # alice is on the board; carol is not, and @room is for rooms only.
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("@alice")
    composer.press("Tab")
    expect(composer).to_have_value("@alice ")


def test_sending_offline_keeps_the_draft_and_says_so(login: Login, seed: Seed) -> None:
    room = seed.new_room("offline")
    bob = open_room(login, "bob", room)
    composer = bob.locator('[data-testid="composer"]')
    bob.context.set_offline(True)
    expect(bob.locator('[data-testid="connection-state"]')).not_to_have_attribute(
        "data-state", "online", timeout=LIVE_MS
    )
    composer.fill("written on the train")
    composer.press("Enter")
    expect(bob.locator('[data-testid="toast"]')).to_contain_text("offline")
    expect(composer).to_have_value("written on the train")

    bob.context.set_offline(False)
    expect(bob.locator('[data-testid="connection-state"]')).to_have_attribute(
        "data-state", "online", timeout=20_000
    )
    composer.press("Enter")
    expect(message(bob, "written on the train")).to_have_count(1, timeout=LIVE_MS)
    expect(composer).to_have_value("")


def test_sends_carry_time_ordered_client_ids(login: Login, seed: Seed) -> None:
    """Each send's client_id is a UUIDv7 of the moment it was written, later sends sorting
    after earlier ones (the hub's resend index appends them instead of scattering them)."""
    room = seed.new_room("client-ids")
    bob = open_room(login, "bob", room)
    sent: list[dict[str, object]] = []

    def watch(socket: WebSocket) -> None:
        socket.on("framesent", lambda payload: sent.append(json.loads(payload)))

    bob.on("websocket", watch)
    bob.reload()
    expect(bob.locator('[data-testid="connection-state"]')).to_have_attribute(
        "data-state", "online", timeout=LIVE_MS
    )
    composer = bob.locator('[data-testid="composer"]')
    started_ms = time.time() * 1000
    for text in ("first of two", "second of two"):
        composer.fill(text)
        composer.press("Enter")
        expect(message(bob, text)).to_be_visible(timeout=LIVE_MS)

    ids = [str(frame["client_id"]) for frame in sent if frame.get("type") == "message.send"]
    assert len(ids) == 2 and ids[0] < ids[1]
    for client_id in ids:
        assert uuid.UUID(client_id).version == 7
        written_ms = int(client_id.replace("-", "")[:12], 16)
        assert started_ms - 1_000 <= written_ms <= time.time() * 1000 + 1_000
