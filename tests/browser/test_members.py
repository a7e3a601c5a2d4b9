"""Inviting and removing people in a real Chromium (issue 13, items 1 and 7): the board's
members page with its suggestions, the room's member panel, lists that follow in other
people's pages without a reload, access that ends at once, and the warning under the
composer for a mention of someone who cannot see the room. Each test makes its own board or
room and people, so the module's seed stays as it was."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import PASSWORD, Login, Seed
from tests.browser.test_live import composer_send, expect_online, posts, room_path

LIVE_WITHIN_MS = 5_000


def new_user(seed: Seed, username: str) -> None:
    seed.api("admin").created(
        "/api/v1/users",
        {"username": username, "password": PASSWORD, "display_name": username.title()},
    )


def new_board(seed: Seed, name: str, *members: str) -> int:
    alice = seed.api("alice")
    board: int = alice.created("/api/v1/boards", {"name": name})["id"]
    for username in members:
        alice.created(f"/api/v1/boards/{board}/members", {"username": username})
    return board


def new_room(seed: Seed, board: int, name: str, *members: str) -> int:
    room = seed.api("alice").created(
        f"/api/v1/boards/{board}/rooms", {"name": name, "members": list(members)}
    )
    room_id: int = room["id"]
    return room_id


def member(page: Page, username: str) -> Locator:
    return page.locator(
        f'[data-testid="member-list"] [data-testid="member"][data-username="{username}"]'
    )


def test_an_owner_invites_with_suggestions_and_the_invited_see_it_live(
    login: Login, seed: Seed
) -> None:
    new_user(seed, "dave")
    board = new_board(seed, "Invites", "bob")
    dave = login("dave", "/")
    expect(dave.get_by_text("You are not on any board yet")).to_be_visible()
    expect(dave.locator('[data-testid="notification-badge"]')).to_have_text("")
    bob = login("bob", f"/boards/{board}/members/")
    expect(member(bob, "alice")).to_be_visible()
    expect(bob.locator('[data-testid="add-member-form"]')).to_have_count(0)  # not an owner
    expect(bob.locator('[data-testid="remove-member"]')).to_have_count(0)
    alice = login("alice", f"/boards/{board}/")
    with alice.expect_navigation():
        alice.get_by_role("link", name="Members").click()
    for page in (dave, bob, alice):
        expect_online(page)

    form = alice.locator('form[data-testid="add-member-form"]')
    form.locator('input[name="username"]').press_sequentially("da")
    option = form.locator('[role="option"][data-username="dave"]')
    expect(option).to_be_visible()
    option.click()
    expect(form.locator('input[name="username"]')).to_have_value("dave")
    form.get_by_role("button", name="Add").click()

    expect(member(alice, "dave")).to_be_visible()
    expect(member(bob, "dave")).to_be_visible(timeout=LIVE_WITHIN_MS)  # a second context
    card = dave.locator(f'[data-board-id="{board}"]')
    expect(card).to_contain_text("Invites", timeout=LIVE_WITHIN_MS)
    expect(dave.get_by_text("You are not on any board yet")).to_have_count(0)
    expect(dave.locator('[data-testid="notification-badge"]')).to_have_text("1")

    member(alice, "dave").locator('[data-testid="remove-member"]').click()
    expect(member(alice, "dave")).to_have_count(0)
    expect(member(bob, "dave")).to_have_count(0, timeout=LIVE_WITHIN_MS)
    expect(card).to_have_count(0, timeout=LIVE_WITHIN_MS)
    expect(member(alice, "alice").locator('[data-testid="remove-member"]')).to_have_count(0)


def test_a_refused_invite_says_why_and_keeps_what_was_typed(login: Login, seed: Seed) -> None:
    board = new_board(seed, "Refusals", "bob")
    alice = login("alice", f"/boards/{board}/members/")
    expect_online(alice)
    form = alice.locator('form[data-testid="add-member-form"]')
    form.locator('input[name="username"]').fill("nobody-here")
    form.get_by_role("button", name="Add").click()
    expect(form.get_by_role("alert")).to_have_text("There is nobody called nobody-here.")
    expect(form.locator('input[name="username"]')).to_have_value("nobody-here")
    form.locator('input[name="username"]').fill("bob")
    form.get_by_role("button", name="Add").click()
    expect(form.get_by_role("alert")).to_have_text("bob is already a member of this board.")


def test_an_added_person_sees_the_room_in_their_lists_live(login: Login, seed: Seed) -> None:
    new_user(seed, "erin")
    board = new_board(seed, "Rooms live", "bob", "erin")
    room = new_room(seed, board, "side-room", "bob")
    rooms_page = login("erin", f"/messaging/board/{board}/rooms/")
    board_page = login("erin", f"/boards/{board}/")
    alice = login("alice", room_path(room))
    bob = login("bob", room_path(room))
    for page in (rooms_page, board_page, alice, bob):
        expect_online(page)

    form = alice.locator('form[data-testid="add-member-form"]')
    form.locator('input[name="username"]').press_sequentially("er")
    form.locator('[role="option"][data-username="erin"]').click()
    form.get_by_role("button", name="Add").click()

    expect(member(alice, "erin")).to_be_visible()
    expect(member(bob, "erin")).to_be_visible(timeout=LIVE_WITHIN_MS)
    expect(bob.locator(".room-members summary")).to_have_text("Members (3)")
    for page in (rooms_page, board_page):
        link = page.locator(f'[data-room-id="{room}"] a.room-link')
        expect(link).to_contain_text("side-room", timeout=LIVE_WITHIN_MS)
    expect(rooms_page.get_by_text("You are not in any room of this board yet.")).to_have_count(0)


def test_a_person_removed_from_a_room_stops_getting_it_at_once(login: Login, seed: Seed) -> None:
    room = seed.new_room("leaving-soon")
    bob = login("bob", room_path(room))
    alice = login("alice", room_path(room))
    for page in (alice, bob):
        expect_online(page)
    composer_send(alice, "before the removal")
    expect(posts(bob, "before the removal")).to_be_visible(timeout=LIVE_WITHIN_MS)
    expect(member(bob, "alice").locator('[data-testid="remove-member"]')).to_have_count(0)

    member(alice, "bob").locator('[data-testid="remove-member"]').click()
    expect(member(alice, "bob")).to_have_count(0)
    expect(member(bob, "bob")).to_have_count(0, timeout=LIVE_WITHIN_MS)
    expect(bob.get_by_text("You are no longer in this room.")).to_be_visible()
    composer_send(alice, "after the removal")
    expect(posts(alice, "after the removal")).to_be_visible()
    composer_send(alice, "and once more")
    expect(posts(alice, "and once more")).to_be_visible()
    expect(posts(bob, "after the removal")).to_have_count(0)
    expect(posts(bob, "and once more")).to_have_count(0)
    response = bob.reload()
    assert response is not None and response.status == 404


def test_a_mention_of_someone_outside_the_room_warns_and_offers_to_add(
    login: Login, seed: Seed
) -> None:
    new_user(seed, "frank")
    board = new_board(seed, "Warnings", "bob", "frank")
    room = new_room(seed, board, "launch", "bob")
    alice = login("alice", room_path(room))
    frank = login("frank", f"/messaging/board/{board}/rooms/")
    for page in (alice, frank):
        expect_online(page)

    composer_send(alice, "hi @frank and @carol and @bob, see this")
    warning = alice.locator('[data-testid="mention-warning"]')
    expect(warning).to_contain_text("frank is not in #launch and was not notified.")
    expect(warning).to_contain_text("carol is not on this board and was not notified.")
    expect(warning.get_by_role("button", name="Add to room")).to_have_count(1)
    expect(warning).not_to_contain_text("bob")

    warning.get_by_role("button", name="Add to room").click()
    expect(warning).not_to_contain_text("frank")
    expect(member(alice, "frank")).to_be_visible()
    expect(frank.locator(f'[data-room-id="{room}"]')).to_be_visible(timeout=LIVE_WITHIN_MS)
    warning.get_by_role("button", name="Dismiss this warning").click()
    expect(warning).to_have_count(0)

    composer_send(alice, "hello @frank")  # now in the room: no warning
    expect(posts(alice, "hello @frank")).to_be_visible()
    expect(warning).to_have_count(0)
