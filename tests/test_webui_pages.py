"""The dashboard's forms and admin pages as a browser uses them: the create-room form, the
settings page, the admin sections, the badges on a board, the HTML 404 page and the favicon.
Every form posts the page's CSRF token, as the browser does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event

from hub.appkeys import DATABASE
from hub.auth.sessions import Viewer
from hub.db.models import OutboxItem
from hub.services.messages import mark_read_up_to
from tests.conftest import DEFAULT_PASSWORD, Api, UserFactory
from tests.test_webui import Client, Html, browser_login, get_page, page_csrf

ADMIN_PAGES = [
    "/admin/",
    "/admin/users/",
    "/admin/boards/",
    "/admin/rooms/",
    "/admin/messages/",
    "/admin/notifications/",
    "/admin/board-members/",
    "/admin/room-members/",
    "/admin/bridges/",
]


@dataclass
class Team:
    """alice owns a board with bob on it and a room of both; carol is on no board."""

    alice: Api
    bob: Api
    carol: Api
    board: int
    room: int


@pytest.fixture
async def team(make_user: UserFactory) -> Team:
    alice, bob, carol = [await make_user(name) for name in ("alice", "bob", "carol")]
    _, board = await alice.post("/api/v1/boards", {"name": "Launch"})
    status, body = await alice.post(f"/api/v1/boards/{board['id']}/members", {"username": "bob"})
    assert status == 201, body
    _, room = await alice.post(
        f"/api/v1/boards/{board['id']}/rooms", {"name": "general", "members": ["bob"]}
    )
    return Team(alice, bob, carol, board["id"], room["id"])


async def submit(
    client: Client, path: str, data: dict[str, Any] | list[tuple[str, str]], csrf: str | None
) -> tuple[int, Html, str]:
    """POST a form as the browser does (with the page's token unless `csrf` is None)."""
    fields = list(data.items()) if isinstance(data, dict) else list(data)
    if csrf is not None:
        fields.append(("csrf_token", csrf))
    async with client.post(path, data=fields, allow_redirects=False) as response:
        return response.status, Html(await response.text()), response.headers.get("Location", "")


async def form_page(client: Client, path: str) -> tuple[Html, str]:
    status, page, _ = await get_page(client, path)
    assert status == 200, path
    return page, page_csrf(page)


def alert(page: Html) -> str:
    return page.one("role", "alert").text.strip()


async def room_names(api: Api, board: int) -> list[str]:
    status, body = await api.get(f"/api/v1/boards/{board}/rooms")
    assert status == 200, body
    return [room["name"] for room in body["items"]]


# --- create-room form -------------------------------------------------------------------


async def test_create_room_form_picks_board_members_and_makes_the_room(
    client: Client, team: Team
) -> None:
    await browser_login(client, "alice")
    _, rooms_page, _ = await get_page(client, f"/messaging/board/{team.board}/rooms/")
    _, board_page, _ = await get_page(client, f"/boards/{team.board}/")
    create_path = f"/messaging/board/{team.board}/rooms/create/"
    assert rooms_page.find("href", create_path) and board_page.find("href", create_path)
    page, csrf = await form_page(client, create_path)
    picker = page.find("name", "members")
    assert [box.attrs["value"] for box in picker] == ["bob"]  # board members but the creator
    me = [box for box in page.find("type", "checkbox") if "disabled" in box.attrs]
    assert len(me) == 1 and "checked" in me[0].attrs  # the creator is always in
    assert page.find("value", "carol") == []
    status, _, location = await submit(
        client,
        create_path,
        [("name", "design"), ("description", "Mockups & specs"), ("members", "bob")],
        csrf,
    )
    assert status == 303
    assert location.startswith("/messaging/room/")
    status, room_page, _ = await get_page(client, location)
    assert status == 200 and "design" in room_page.one("class", "thread-head").text
    room_id = int(location.split("/")[3])
    status, members = await team.alice.get(f"/api/v1/rooms/{room_id}/members")
    assert sorted(member["username"] for member in members["items"]) == ["alice", "bob"]
    assert "design" in await room_names(team.bob, team.board)


async def test_create_room_form_refuses_non_members_and_strangers(
    client: Client, team: Team
) -> None:
    create_path = f"/messaging/board/{team.board}/rooms/create/"
    await browser_login(client, "alice")
    _, csrf = await form_page(client, create_path)
    status, page, _ = await submit(
        client, create_path, [("name", "secret"), ("members", "carol")], csrf
    )
    assert status == 400
    assert "carol is not a member of this board" in alert(page)
    assert page.one("name", "name").attrs["value"] == "secret"  # what was typed is kept
    await browser_login(client, "carol")
    status, page, _ = await get_page(client, create_path)
    assert status == 404 and "Not found" in page.source and "Launch" not in page.source
    _, carol_csrf = await form_page(client, "/")
    status, _, _ = await submit(client, create_path, {"name": "intrusion"}, carol_csrf)
    assert status == 404
    assert sorted(await room_names(team.alice, team.board)) == ["general"]


async def test_create_room_form_shows_a_duplicate_name_and_needs_its_token(
    client: Client, team: Team
) -> None:
    create_path = f"/messaging/board/{team.board}/rooms/create/"
    await browser_login(client, "bob")
    _, csrf = await form_page(client, create_path)
    status, page, _ = await submit(client, create_path, {"name": "General"}, csrf)
    assert status == 409
    assert "already has a room named 'General'" in alert(page)
    assert page.one("name", "name").attrs["value"] == "General"
    status, page, _ = await submit(client, create_path, {"name": "  "}, csrf)
    assert status == 400 and "name" in alert(page)
    status, _, _ = await submit(client, create_path, {"name": "forged"}, None)
    assert status == 403
    assert await room_names(team.alice, team.board) == ["general"]


# --- settings -----------------------------------------------------------------------------


async def test_settings_are_saved_and_shown(client: Client, team: Team) -> None:
    await browser_login(client, "alice")
    page, csrf = await form_page(client, "/settings/")
    assert page.one("name", "display_name").attrs["value"] == "Alice"
    zones = [option.text for option in page.elements if option.tag == "option"]
    assert "Europe/Paris" in zones and "UTC" in zones
    form = [
        ("display_name", "Alice Liddell"),
        ("time_zone", "Europe/Paris"),
        ("mention_dm", "digest"),
        ("digest", "weekly"),
        ("digest_time", "08:30"),
        ("digest_weekday", "fri"),
        ("digest_channels", "web"),
        ("digest_channels", "email"),
        ("quiet_start", "22:00"),
        ("quiet_end", "07:00"),
        ("email", "alice@example.com"),
    ]
    status, _, location = await submit(client, "/settings/", form, csrf)
    assert status == 303 and location == "/settings/?saved=profile"
    _, page, _ = await get_page(client, location)
    assert page.hook("saved-notice").text.strip() == "Saved."
    assert page.one("name", "display_name").attrs["value"] == "Alice Liddell"
    assert "Alice Liddell" in page.one("class", "viewer").text
    (paris,) = [e for e in page.elements if e.tag == "option" and e.text == "Europe/Paris"]
    assert "selected" in paris.attrs
    status, me = await team.alice.get("/api/v1/me")
    assert status == 200, me
    assert me["display_name"] == "Alice Liddell" and me["time_zone"] == "Europe/Paris"
    assert me["preferences"] == {
        "mention_dm": "digest",
        "digest": "weekly",
        "digest_time": "08:30",
        "digest_weekday": "fri",
        "digest_channels": ["web", "email"],
        "quiet_hours": {"start": "22:00", "end": "07:00"},
        "email": "alice@example.com",
    }


async def test_settings_refuse_a_bad_time_zone_on_the_form(client: Client, team: Team) -> None:
    await browser_login(client, "alice")
    _, csrf = await form_page(client, "/settings/")
    form = {
        "display_name": "Changed",
        "time_zone": "Mars/Olympus_Mons",
        "mention_dm": "immediate",
        "digest": "off",
        "digest_time": "09:00",
        "digest_weekday": "mon",
    }
    status, page, _ = await submit(client, "/settings/", form, csrf)
    assert status == 400
    assert "unknown time zone 'Mars/Olympus_Mons'" in alert(page)
    assert page.one("name", "display_name").attrs["value"] == "Changed"  # typed, not saved
    assert page.one("name", "time_zone").attrs.get("aria-invalid") == "true"
    status, page, _ = await submit(
        client, "/settings/", {**form, "time_zone": "UTC", "digest_time": "25:00"}, csrf
    )
    assert status == 400 and "The digest time must be a time like 09:00." in alert(page)
    assert page.one("name", "digest_time").attrs.get("aria-invalid") == "true"
    _, me = await team.alice.get("/api/v1/me")
    assert me["display_name"] == "Alice" and me["time_zone"] is None  # none chosen, none saved


async def test_password_change_needs_the_current_password(client: Client, team: Team) -> None:
    await browser_login(client, "alice")
    _, csrf = await form_page(client, "/settings/")
    new = "a much better passphrase"
    wrong = {"current_password": "guess", "password": new, "password_confirm": new}
    status, page, _ = await submit(client, "/settings/password", wrong, csrf)
    assert status == 400 and "The current password is wrong." in alert(page)
    mismatch = {"current_password": DEFAULT_PASSWORD, "password": new, "password_confirm": "x"}
    status, page, _ = await submit(client, "/settings/password", mismatch, csrf)
    assert status == 400 and "do not match" in alert(page)
    right = {**wrong, "current_password": DEFAULT_PASSWORD}
    status, _, location = await submit(client, "/settings/password", right, csrf)
    assert status == 303 and location == "/settings/?saved=password"
    await browser_login(client, "alice", new)


# --- admin ----------------------------------------------------------------------------------


async def test_admin_pages_are_for_admins_only(client: Client, team: Team, admin: Api) -> None:
    for path in ADMIN_PAGES:
        status, _, headers = await get_page(client, path)
        assert status == 302 and headers["Location"].startswith("/login?next="), path
    await browser_login(client, "alice")
    _, page, _ = await get_page(client, "/")
    assert page.find("href", "/admin/") == []
    for path in ADMIN_PAGES:
        status, page, headers = await get_page(client, path)
        assert status == 404, path
        assert headers["Content-Type"].startswith("text/html")
        assert "Not found" in page.source
    _, csrf = await form_page(client, "/")
    status, _, _ = await submit(client, "/admin/users/", {"username": "mallory"}, csrf)
    assert status == 404
    await browser_login(client, "root")
    _, page, _ = await get_page(client, "/")
    assert page.find("href", "/admin/")
    for path in ADMIN_PAGES:
        status, page, _ = await get_page(client, path)
        assert status == 200, path
        assert page.one("aria-current", "page").attrs["href"] == path
        assert not [e for e in page.elements if e.tag == "script" and "src" not in e.attrs]
    _, boards, _ = await get_page(client, "/admin/boards/")
    assert "Launch" in boards.hook("admin-list").text
    _, members, _ = await get_page(client, "/admin/room-members/")
    rows = [" ".join(row.text.split()) for row in members.find("data-id") if row.tag == "tr"]
    assert any("# general bob" in row for row in rows) and any(
        "# general alice" in row for row in rows
    )


async def test_admin_creates_a_user_with_the_form(client: Client, admin: Api) -> None:
    await browser_login(client, "root")
    _, csrf = await form_page(client, "/admin/users/")
    user = {"username": "dave", "display_name": "Dave D.", "password": "long enough secret"}
    status, _, location = await submit(client, "/admin/users/", user, csrf)
    assert status == 303 and location == "/admin/users/?created=1"
    _, page, _ = await get_page(client, location)
    assert "User created." in page.one("role", "status").text
    assert "Dave D." in page.hook("admin-list").text
    status, page, _ = await submit(client, "/admin/users/", {**user, "username": "DAVE"}, csrf)
    assert status == 409 and "taken" in alert(page)
    status, page, _ = await submit(client, "/admin/users/", {**user, "username": "bad name"}, csrf)
    assert status == 400 and "username" in alert(page)
    status, _, _ = await submit(client, "/admin/users/", {**user, "username": "eve"}, None)
    assert status == 403
    await browser_login(client, "dave", "long enough secret")


async def test_admin_deletes_a_message_from_the_messages_page(
    client: Client, team: Team, admin: Api
) -> None:
    _, message = await team.bob.post(f"/api/v1/rooms/{team.room}/messages", {"body": "oops"})
    await browser_login(client, "alice")
    _, csrf = await form_page(client, "/")
    delete_path = f"/admin/messages/{message['id']}/delete"
    status, _, _ = await submit(client, delete_path, {}, csrf)
    assert status == 404  # not an admin, though she owns the board
    await browser_login(client, "root")
    page, csrf = await form_page(client, "/admin/messages/")
    (row,) = [row for row in page.find("data-id", str(message["id"])) if row.tag == "tr"]
    assert "oops" in row.text and "# general" in row.text
    status, _, _ = await submit(client, delete_path, {"back": "/admin/messages/"}, None)
    assert status == 403
    status, _, location = await submit(client, delete_path, {"back": "/admin/messages/"}, csrf)
    assert status == 303 and location == "/admin/messages/"
    _, page, _ = await get_page(client, location)
    (row,) = [row for row in page.find("data-id", str(message["id"])) if row.tag == "tr"]
    assert "oops" not in row.text and "deleted" in row.text
    assert page.find("data-testid", "delete-message") == []
    _, history = await team.bob.get(f"/api/v1/rooms/{team.room}/messages")
    (deleted,) = [item for item in history["items"] if item["id"] == message["id"]]
    assert deleted["deleted_at"] and deleted["body"] == ""


@pytest.mark.settings(page_size_default=2)
async def test_admin_lists_are_paged_newest_first(client: Client, team: Team, admin: Api) -> None:
    for number in range(5):
        await team.bob.post(f"/api/v1/rooms/{team.room}/messages", {"body": f"note {number}"})
    await browser_login(client, "root")
    seen: list[list[str]] = []
    path = "/admin/messages/"
    while True:
        _, page, _ = await get_page(client, path)
        cells = page.find("class", "snippet-cell")
        seen.append([cell.text.strip() for cell in cells])
        older = page.find("data-testid", "older-page")
        if not older:
            break
        path = older[0].attrs["href"]
    assert seen == [["note 4", "note 3"], ["note 2", "note 1"], ["note 0"]]
    status, page, _ = await get_page(client, "/admin/messages/?before=x")
    assert status == 400


async def test_admin_bridges_page_is_honest_about_bridges_and_outbox(
    client: Client, admin: Api
) -> None:
    async with client.app[DATABASE].write() as session:
        session.add_all(
            OutboxItem(platform="slack", destination="C1", action="post", payload={}, state=state)
            for state in ("pending", "pending", "failed")
        )
    await browser_login(client, "root")
    _, page, _ = await get_page(client, "/admin/bridges/")
    assert page.hook("no-bridges").text.strip() == "No bridges configured."
    rows = page.find("data-outbox-state")
    counts = {row.attrs["data-outbox-state"]: row.text.split() for row in rows}
    assert counts == {"pending": ["pending", "2"], "done": ["done", "0"], "failed": ["failed", "1"]}
    assert "No links" in page.source


# --- board badges -------------------------------------------------------------------------


Numbers = tuple[dict[str, str], dict[str, str]]


def card_numbers(page: Html) -> Numbers:
    """Task title → its mention badge, room name → its unread count ("" when none shown)."""
    mentions, unread = {}, {}
    for card in page.find("data-task-id"):
        title = page.one("href", f"/messaging/task/{card.attrs['data-task-id']}/comments/").text
        badge = int(card.attrs["data-mentions"])
        assert (f"@{badge}" in card.text) == (badge > 0), card
        mentions[title] = f"@{badge}" if badge else ""
    for item in page.find("data-room-id"):
        link = page.one("href", f"/messaging/room/{item.attrs['data-room-id']}/")
        count = int(item.attrs["data-unread"])
        assert item.text.split().count(str(count)) == (1 if count else 0), item
        unread[" ".join(link.text.split()).lstrip("# ")] = str(count) if count else ""
    return mentions, unread


async def board_numbers(client: Client, board: int) -> Numbers:
    status, page, _ = await get_page(client, f"/boards/{board}/")
    assert status == 200
    shown = card_numbers(page)
    _, rooms_page, _ = await get_page(client, f"/messaging/board/{board}/rooms/")
    assert card_numbers(rooms_page)[1] == shown[1]  # the rooms page shows the same counts
    return shown


async def test_board_shows_mention_badges_and_unread_counts(client: Client, team: Team) -> None:
    alice, bob = team.alice, team.bob
    _, mentioned = await alice.post(f"/api/v1/boards/{team.board}/tasks", {"title": "Mentioned"})
    _, quiet = await alice.post(f"/api/v1/boards/{team.board}/tasks", {"title": "Quiet"})
    for body in ("@alice look", "again @alice", "no mention"):
        await bob.post(f"/api/v1/tasks/{mentioned['id']}/comments", {"body": body})
    await bob.post(f"/api/v1/tasks/{quiet['id']}/comments", {"body": "hi"})
    for body in ("one", "two @alice", "three"):
        await bob.post(f"/api/v1/rooms/{team.room}/messages", {"body": body})
    _, mine = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": "mine"})
    await browser_login(client, "alice")
    mentions, rooms = await board_numbers(client, team.board)
    assert mentions == {"Mentioned": "@2", "Quiet": ""}  # a room mention is not a task's
    assert rooms == {"general": "3"}  # bob's three; alice's own is not unread to her
    _, page, _ = await get_page(client, f"/boards/{team.board}/")
    assert "3 comments" in page.one("data-task-id", str(mentioned["id"])).text
    _, me = await alice.get("/api/v1/me")
    async with client.app[DATABASE].write() as session:
        viewer = Viewer(me["id"], "alice", "Alice", False, 0)
        await mark_read_up_to(session, viewer, team.room, mine["seq"])
    _, page, _ = await get_page(client, "/messaging/notifications/")
    status, _, _ = await submit(client, "/messaging/notifications/read-all", {}, page_csrf(page))
    assert status == 303
    nothing = ({"Mentioned": "", "Quiet": ""}, {"general": ""})
    assert await board_numbers(client, team.board) == nothing
    await browser_login(client, "bob")  # bob has read nothing: alice's one message is unread
    assert await board_numbers(client, team.board) == (nothing[0], {"general": "1"})


@contextmanager
def counting_queries(client: Client) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = client.app[DATABASE].engine.sync_engine

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_board_page_queries_do_not_grow_with_its_cards(client: Client, team: Team) -> None:
    """The board page with one task and one room costs as many queries as with many."""
    await team.alice.post(f"/api/v1/boards/{team.board}/tasks", {"title": "First"})
    await browser_login(client, "alice")
    with counting_queries(client) as small:
        await get_page(client, f"/boards/{team.board}/")
    for number in range(6):
        _, task = await team.alice.post(
            f"/api/v1/boards/{team.board}/tasks", {"title": f"Task {number}"}
        )
        await team.bob.post(f"/api/v1/tasks/{task['id']}/comments", {"body": "@alice see"})
        _, room = await team.alice.post(
            f"/api/v1/boards/{team.board}/rooms", {"name": f"room-{number}", "members": ["bob"]}
        )
        await team.bob.post(f"/api/v1/rooms/{room['id']}/messages", {"body": "hello"})
    with counting_queries(client) as large:
        status, page, _ = await get_page(client, f"/boards/{team.board}/")
    assert status == 200 and len(page.find("class", "mention-badge")) == 6
    assert len(large) == len(small), (small, large)


# --- 404 page and favicon -------------------------------------------------------------------


async def test_unknown_pages_get_the_html_404_page_and_the_api_keeps_json(
    client: Client, team: Team
) -> None:
    status, page, headers = await get_page(client, "/no/such/page")
    assert status == 404 and headers["Content-Type"].startswith("text/html")
    assert "Not found" in page.source and "default-src 'self'" in headers["Content-Security-Policy"]
    await browser_login(client, "alice")
    status, page, _ = await get_page(client, "/boards/x/")
    assert status == 404
    assert page.hook("notification-badge") and page_csrf(page)  # inside the layout
    for path in ("/api/v1/no-such-thing", "/ws/extra"):
        async with client.get(path) as response:
            assert response.status == 404, path
            body = await response.json()
        assert body["error"]["code"] == "not_found", path
    async with client.get("/static/missing.css") as response:
        assert response.status == 404
        assert not response.headers.get("Content-Type", "").startswith("text/html")
    async with client.post("/no/such/form", data={"x": "1"}) as response:
        assert response.status == 404
        assert response.headers["Content-Type"].startswith("text/html")


async def test_favicon_is_served_and_linked(client: Client, team: Team) -> None:
    await browser_login(client, "alice")
    _, page, _ = await get_page(client, "/")
    (icon,) = page.find("rel", "icon")
    for path in ("/favicon.ico", icon.attrs["href"]):
        async with client.get(path) as response:
            assert response.status == 200, path
            assert response.headers["Content-Type"].startswith("image/svg+xml")
            assert (await response.text()).startswith("<svg")
