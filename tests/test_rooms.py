"""Chat rooms and room members over HTTP: shapes, names, membership, search, events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hub.appkeys import DATABASE
from hub.db.event_log import events_after
from tests.conftest import Api, UserFactory

ROOM_KEYS = {"id", "board", "name", "description", "created_at"}


def parsed(data: dict[str, Any]) -> dict[str, Any]:
    """Timestamps as instants: the event log and HTTP may spell UTC differently (+00:00, Z)."""
    return {k: datetime.fromisoformat(v) if k.endswith("_at") else v for k, v in data.items()}


async def board_log(api: Api, board_id: int) -> list[tuple[int, str, dict[str, Any]]]:
    """(seq, kind, data) of every event recorded on the board's stream."""
    async with api.client.app[DATABASE].read() as session:
        events = await events_after(session, f"board:{board_id}", 0, limit=1000)
    return [(event.seq, event.kind, parsed(event.data)) for event in events]


@pytest.fixture
async def people(make_user: UserFactory) -> dict[str, Api]:
    """alice owns the board; bob and carol are on it; dave is not; root is an admin."""
    people = {name: await make_user(name) for name in ("alice", "bob", "carol", "dave")}
    people["root"] = await make_user("root", admin=True)
    return people


@pytest.fixture
async def board(people: dict[str, Api]) -> int:
    alice = people["alice"]
    _, board = await alice.post("/api/v1/boards", {"name": "Launch"})
    for name in ("bob", "carol"):
        await alice.post(f"/api/v1/boards/{board['id']}/members", {"username": name})
    return int(board["id"])


async def member_names(api: Api, room_id: int, **params: Any) -> list[str]:
    status, page = await api.get(f"/api/v1/rooms/{room_id}/members", params=params)
    assert status == 200, page
    return [member["username"] for member in page["items"]]


async def test_a_room_has_its_creator_and_initial_members(
    people: dict[str, Api], board: int
) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    status, room = await bob.post(
        f"/api/v1/boards/{board}/rooms",
        {"name": "  General ", "description": "chat", "members": ["ALICE", "bob", "Alice"]},
    )
    assert status == 201, room
    assert set(room) == ROOM_KEYS
    assert (room["board"], room["name"], room["description"]) == (board, "General", "chat")
    assert (await alice.get(f"/api/v1/rooms/{room['id']}")) == (200, room)
    assert await member_names(bob, room["id"]) == ["bob", "alice"]
    _, page = await alice.get(f"/api/v1/rooms/{room['id']}/members")
    assert page["items"][0] == {"username": "bob", "display_name": "Bob"}
    assert (await carol.get(f"/api/v1/rooms/{room['id']}"))[0] == 404


async def test_room_names_are_unique_per_board_ignoring_case(
    people: dict[str, Api], board: int
) -> None:
    alice = people["alice"]
    rooms = f"/api/v1/boards/{board}/rooms"
    assert (await alice.post(rooms, {"name": "General"}))[0] == 201
    status, body = await alice.post(rooms, {"name": " GENERAL "})
    assert status == 409
    assert body["error"]["code"] == "conflict" and body["error"]["field"] == "name"
    _, other = await alice.post("/api/v1/boards", {"name": "Other"})
    assert (await alice.post(f"/api/v1/boards/{other['id']}/rooms", {"name": "general"}))[0] == 201


INVALID_ROOMS = [
    ({"name": ""}, "name"),
    ({"name": "  "}, "name"),
    ({"name": "x" * 81}, "name"),
    ({"name": "r", "description": "x" * 2001}, "description"),
    ({"name": "r", "members": ["dave"]}, "members"),
    ({"name": "r", "members": ["bob", "ghost"]}, "members"),
    ({"name": "r", "members": [""]}, "members.0"),
    ({"name": "r", "private": True}, "private"),
]


async def test_invalid_rooms_are_refused_naming_the_field(
    people: dict[str, Api], board: int
) -> None:
    alice, root = people["alice"], people["root"]
    for fields, field in INVALID_ROOMS:
        status, body = await alice.post(f"/api/v1/boards/{board}/rooms", fields)
        assert status == 400, fields
        assert body["error"]["code"] == "invalid" and body["error"]["field"] == field, fields
    assert (await root.get(f"/api/v1/boards/{board}/rooms"))[1]["items"] == []


async def test_room_lists_show_the_viewers_rooms_and_every_room_to_admins(
    people: dict[str, Api], board: int
) -> None:
    alice, bob, carol, root = people["alice"], people["bob"], people["carol"], people["root"]
    rooms = f"/api/v1/boards/{board}/rooms"
    _, general = await alice.post(rooms, {"name": "general", "members": ["bob", "carol"]})
    _, design = await alice.post(rooms, {"name": "design", "members": ["carol"]})
    _, backroom = await bob.post(rooms, {"name": "backroom"})

    async def names(api: Api) -> list[str]:
        return [room["name"] for room in (await api.get(rooms))[1]["items"]]

    assert await names(alice) == ["general", "design"]
    assert await names(bob) == ["general", "backroom"]
    assert await names(carol) == ["general", "design"]
    assert await names(root) == ["general", "design", "backroom"]
    assert (await root.get(f"/api/v1/rooms/{backroom['id']}"))[1] == backroom
    assert (await bob.get(f"/api/v1/rooms/{design['id']}"))[0] == 404
    assert general["id"] < design["id"]


@pytest.mark.settings(page_size_default=2, page_size_max=3)
async def test_rooms_page_by_id(people: dict[str, Api], board: int) -> None:
    alice = people["alice"]
    rooms = f"/api/v1/boards/{board}/rooms"
    ids = [(await alice.post(rooms, {"name": f"r{n}"}))[1]["id"] for n in range(3)]
    _, first = await alice.get(rooms)
    assert [r["id"] for r in first["items"]] == ids[:2] and first["next"] == ids[1]
    _, rest = await alice.get(rooms, params={"after": first["next"]})
    assert [r["id"] for r in rest["items"]] == ids[2:] and rest["next"] is None
    status, body = await alice.get(rooms, params={"limit": 4})
    assert status == 400 and body["error"]["field"] == "limit"


async def test_owners_add_board_members_to_rooms(people: dict[str, Api], board: int) -> None:
    alice, bob = people["alice"], people["bob"]
    _, room = await alice.post(f"/api/v1/boards/{board}/rooms", {"name": "general"})
    members = f"/api/v1/rooms/{room['id']}/members"

    status, member = await alice.post(members, {"username": "BOB"})
    assert (status, member) == (201, {"username": "bob", "display_name": "Bob"})
    status, body = await alice.post(members, {"username": "bob"})
    assert status == 409 and body["error"]["field"] == "username"
    for name in ("dave", "ghost"):
        status, body = await alice.post(members, {"username": name})
        assert status == 400 and body["error"]["field"] == "username", name
    status, body = await people["carol"].post(members, {"username": "carol"})
    assert status == 404 and body["error"]["code"] == "not_found"  # not in it: cannot see it
    status, body = await bob.post(members, {"username": "carol"})  # any room member adds
    assert status == 201, body
    assert await member_names(alice, room["id"]) == ["alice", "bob", "carol"]
    assert (await bob.get(f"/api/v1/rooms/{room['id']}"))[0] == 200


async def test_an_admin_off_the_board_may_create_rooms_and_add_people(
    people: dict[str, Api], board: int
) -> None:
    root, carol = people["root"], people["carol"]
    status, room = await root.post(f"/api/v1/boards/{board}/rooms", {"name": "ops"})
    assert status == 201
    assert (await root.post(f"/api/v1/rooms/{room['id']}/members", {"username": "carol"}))[0] == 201
    assert await member_names(carol, room["id"]) == ["root", "carol"]


@pytest.mark.settings(page_size_default=2, page_size_max=3)
async def test_room_member_search_and_paging(people: dict[str, Api], board: int) -> None:
    alice, carol = people["alice"], people["carol"]
    await carol.patch("/api/v1/me", {"display_name": "Alba Carol"})
    _, room = await alice.post(
        f"/api/v1/boards/{board}/rooms", {"name": "general", "members": ["bob", "carol"]}
    )
    assert await member_names(alice, room["id"], q="AL") == ["alice", "carol"]
    assert await member_names(alice, room["id"], q="b") == ["bob"]
    assert await member_names(alice, room["id"], q="carol") == ["carol"]
    assert await member_names(alice, room["id"], q="z") == []
    _, first = await alice.get(f"/api/v1/rooms/{room['id']}/members")
    assert [m["username"] for m in first["items"]] == ["alice", "bob"]
    rest = await member_names(alice, room["id"], after=first["next"])
    assert rest == ["carol"]
    status, body = await alice.get(f"/api/v1/rooms/{room['id']}/members", params={"limit": 9})
    assert status == 400 and body["error"]["field"] == "limit"


async def test_rooms_and_their_members_are_events_on_the_board_stream(
    people: dict[str, Api], board: int
) -> None:
    alice = people["alice"]
    before = len(await board_log(alice, board))
    _, room = await alice.post(
        f"/api/v1/boards/{board}/rooms", {"name": "general", "members": ["alice", "Bob"]}
    )
    await alice.post(f"/api/v1/boards/{board}/rooms", {"name": "GENERAL"})  # 409: no event
    await alice.post(f"/api/v1/rooms/{room['id']}/members", {"username": "carol"})
    await alice.post(f"/api/v1/rooms/{room['id']}/members", {"username": "carol"})  # 409

    assert before == 2  # bob and carol joined the board
    assert (await board_log(alice, board))[before:] == [
        (3, "room.created", parsed(room)),
        (4, "room.member_added", {"username": "bob", "display_name": "Bob", "room": room["id"]}),
        (
            5,
            "room.member_added",
            {"username": "carol", "display_name": "Carol", "room": room["id"]},
        ),
    ]
