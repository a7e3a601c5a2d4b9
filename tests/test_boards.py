"""Boards and board members over HTTP: shapes, validation, listing, paging, search, events."""

from __future__ import annotations

from typing import Any

import pytest

from hub.appkeys import DATABASE
from hub.db.event_log import events_after
from tests.conftest import Api, UserFactory

BOARD_KEYS = {"id", "name", "description", "columns", "role", "created_at"}


async def board_log(api: Api, board_id: int) -> list[tuple[int, str, dict[str, Any]]]:
    """(seq, kind, data) of every event recorded on the board's stream."""
    async with api.client.app[DATABASE].read() as session:
        events = await events_after(session, f"board:{board_id}", 0, limit=1000)
    return [(event.seq, event.kind, event.data) for event in events]


async def new_board(api: Api, name: str = "Launch", **fields: Any) -> dict[str, Any]:
    status, board = await api.post("/api/v1/boards", {"name": name, **fields})
    assert status == 201, board
    return dict(board)


async def test_a_new_board_has_default_columns_and_its_creator_as_owner(
    make_user: UserFactory,
) -> None:
    alice = await make_user("alice")
    status, board = await alice.post("/api/v1/boards", {"name": "  Launch  "})
    assert status == 201
    assert set(board) == BOARD_KEYS
    assert board["name"] == "Launch" and board["description"] == ""
    assert board["columns"] == ["todo", "in_progress", "done"] and board["role"] == "owner"
    assert (await alice.get(f"/api/v1/boards/{board['id']}")) == (200, board)
    status, members = await alice.get(f"/api/v1/boards/{board['id']}/members")
    assert members == {
        "items": [{"username": "alice", "display_name": "Alice", "role": "owner"}],
        "next": None,
    }


async def test_a_board_keeps_the_columns_and_description_given(make_user: UserFactory) -> None:
    alice = await make_user("alice")
    board = await new_board(alice, description=" Q3 ", columns=["backlog", "doing_2", "shipped"])
    assert board["columns"] == ["backlog", "doing_2", "shipped"]
    assert board["description"] == "Q3"


INVALID_BOARDS = [
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": "B", "columns": []}, "columns"),
    ({"name": "B", "columns": ["todo", "todo"]}, "columns"),
    ({"name": "B", "columns": [f"c{n}" for n in range(21)]}, "columns"),
    ({"name": "B", "columns": ["todo", "In Progress"]}, "columns.1"),
    ({"name": "B", "columns": ["x" * 33]}, "columns.0"),
    ({"name": "B", "columns": [""]}, "columns.0"),
    ({"name": "B", "description": "x" * 2001}, "description"),
    ({"name": "B", "owner": "bob"}, "owner"),
]


async def test_invalid_boards_are_refused_naming_the_field(make_user: UserFactory) -> None:
    alice = await make_user("alice")
    for fields, field in INVALID_BOARDS:
        status, body = await alice.post("/api/v1/boards", fields)
        assert status == 400, fields
        assert body["error"]["code"] == "invalid" and body["error"]["field"] == field, fields
    assert (await alice.get("/api/v1/boards"))[1]["items"] == []


async def test_people_list_their_boards_and_admins_list_every_board(
    make_user: UserFactory, admin: Api
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    first = await new_board(alice, "First")
    second = await new_board(bob, "Second")
    assert (await alice.get("/api/v1/boards"))[1] == {"items": [first], "next": None}

    await alice.post(f"/api/v1/boards/{first['id']}/members", {"username": "bob"})
    _, page = await bob.get("/api/v1/boards")
    assert [(b["name"], b["role"]) for b in page["items"]] == [
        ("First", "member"),
        ("Second", "owner"),
    ]
    _, page = await admin.get("/api/v1/boards")
    assert [(b["id"], b["role"]) for b in page["items"]] == [
        (first["id"], None),
        (second["id"], None),
    ]
    assert (await admin.get(f"/api/v1/boards/{second['id']}"))[1]["role"] is None


@pytest.mark.settings(page_size_default=2, page_size_max=3)
async def test_boards_page_forwards_and_backwards(make_user: UserFactory) -> None:
    alice = await make_user("alice")
    ids = [(await new_board(alice, f"B{n}"))["id"] for n in range(5)]

    async def page(query: str) -> tuple[list[int], int | None]:
        status, body = await alice.get(f"/api/v1/boards?{query}")
        assert status == 200, body
        return [board["id"] for board in body["items"]], body["next"]

    assert await page("") == (ids[0:2], ids[1])
    assert await page(f"after={ids[1]}") == (ids[2:4], ids[3])
    assert await page(f"after={ids[3]}") == (ids[4:], None)
    assert await page("limit=3") == (ids[0:3], ids[2])
    assert await page(f"before={ids[4]}") == (ids[2:4], ids[2])
    assert await page(f"before={ids[2]}") == (ids[0:2], None)
    status, body = await alice.get("/api/v1/boards?limit=4")
    assert status == 400 and body["error"]["field"] == "limit"


async def test_owners_add_members_by_any_spelling_of_their_name(make_user: UserFactory) -> None:
    alice, bob, _carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    board = await new_board(alice)
    members = f"/api/v1/boards/{board['id']}/members"

    status, member = await alice.post(members, {"username": "BOB"})
    assert (status, member) == (201, {"username": "bob", "display_name": "Bob", "role": "member"})
    status, body = await alice.post(members, {"username": "Bob", "role": "owner"})
    assert status == 409 and body["error"] == {
        "code": "conflict",
        "message": body["error"]["message"],
        "field": "username",
    }
    status, body = await bob.post(members, {"username": "carol"})
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = await alice.post(members, {"username": "nobody"})
    assert status == 400 and body["error"]["field"] == "username"
    status, body = await alice.post(members, {"username": "carol", "role": "admin"})
    assert status == 400 and body["error"]["field"] == "role"

    _, page = await alice.get(members)
    assert [(m["username"], m["role"]) for m in page["items"]] == [
        ("alice", "owner"),
        ("bob", "member"),
    ]


async def test_a_new_owner_may_add_members(make_user: UserFactory) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await make_user("carol")
    board = await new_board(alice)
    members = f"/api/v1/boards/{board['id']}/members"
    assert (await alice.post(members, {"username": "bob", "role": "owner"}))[0] == 201
    assert (await bob.get(f"/api/v1/boards/{board['id']}"))[1]["role"] == "owner"
    assert (await bob.post(members, {"username": "carol"}))[0] == 201


async def test_member_search_matches_a_prefix_of_username_or_display_name(
    make_user: UserFactory,
) -> None:
    alice = await make_user("alice")
    for name in ("bob", "bobby", "carol", "al_x"):
        await make_user(name)
    carol = await make_user("carol2")
    await carol.patch("/api/v1/me", {"display_name": "Bodhi Carol"})
    board = await new_board(alice)
    members = f"/api/v1/boards/{board['id']}/members"
    for name in ("bob", "bobby", "carol", "carol2", "al_x"):
        assert (await alice.post(members, {"username": name}))[0] == 201

    async def search(prefix: str) -> list[str]:
        status, page = await alice.get(members, params={"q": prefix})
        assert status == 200, page
        return [member["username"] for member in page["items"]]

    assert await search("BO") == ["bob", "bobby", "carol2"]
    assert await search("bodhi c") == ["carol2"]
    assert await search("al") == ["alice", "al_x"]
    assert await search("al_") == ["al_x"]
    assert await search("%") == []
    assert await search("_") == []
    assert await search("") == ["alice", "bob", "bobby", "carol", "carol2", "al_x"]


@pytest.mark.settings(page_size_default=2, page_size_max=3)
async def test_members_page_in_the_order_they_joined(make_user: UserFactory) -> None:
    alice = await make_user("alice")
    board = await new_board(alice)
    members = f"/api/v1/boards/{board['id']}/members"
    for name in ("zoe", "bea", "max"):
        await make_user(name)
        await alice.post(members, {"username": name})
    _, first = await alice.get(members)
    assert [m["username"] for m in first["items"]] == ["alice", "zoe"]
    _, second = await alice.get(members, params={"after": first["next"]})
    assert [m["username"] for m in second["items"]] == ["bea", "max"]
    assert second["next"] is None
    status, body = await alice.get(members, params={"limit": 4})
    assert status == 400 and body["error"]["field"] == "limit"


async def test_adding_members_is_recorded_on_the_board_stream(make_user: UserFactory) -> None:
    alice = await make_user("alice")
    await make_user("bob")
    await make_user("carol")
    board = await new_board(alice)
    members = f"/api/v1/boards/{board['id']}/members"
    await alice.post(members, {"username": "Bob"})
    await alice.post(members, {"username": "carol", "role": "owner"})
    await alice.post(members, {"username": "carol"})  # 409: no event
    assert await board_log(alice, board["id"]) == [
        (
            1,
            "board.member_added",
            {"username": "bob", "display_name": "Bob", "role": "member", "board": board["id"]},
        ),
        (
            2,
            "board.member_added",
            {"username": "carol", "display_name": "Carol", "role": "owner", "board": board["id"]},
        ),
    ]
