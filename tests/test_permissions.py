"""The permission matrix of DESIGN §4 for boards, tasks and rooms: every route against every
kind of person, driven from one table. A refusal must leave everything as it was."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from hub.appkeys import DATABASE, PASSWORDS
from hub.db.event_log import last_seq
from hub.services.users import create_user
from tests.conftest import Api, UserFactory

# Who acts: the board's owner (also in the room), a board member outside the room, a board
# member inside the room, someone outside the board, nobody logged in, and an admin who is
# not on the board. Refusals run first, then the people allowed, each with its own body.
ACTORS = ("anonymous", "outsider", "member", "roomie", "owner", "admin")
EVERYONE = dict.fromkeys(("owner", "member", "roomie", "outsider", "admin"), 200) | {
    "anonymous": 401
}
BOARD_READ = EVERYONE | {"outsider": 404}
BOARD_WRITE = dict.fromkeys(BOARD_READ, 201) | {"outsider": 404, "anonymous": 401}
ROOM_READ = BOARD_READ | {"member": 404}
OWNERS_ONLY = BOARD_WRITE | {"member": 403, "roomie": 403}


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # {board}, {task}, {room} are filled in from the world
    expect: dict[str, int]
    body: dict[str, Any] | None = None  # "{who}": the acting person (or "owner" on refusals)


CASES = [
    Case("GET", "/api/v1/boards", EVERYONE),
    Case(
        "POST", "/api/v1/boards", dict.fromkeys(EVERYONE, 201) | {"anonymous": 401}, {"name": "N"}
    ),
    Case("GET", "/api/v1/boards/{board}", BOARD_READ),
    Case("GET", "/api/v1/boards/{board}/members", BOARD_READ),
    Case("POST", "/api/v1/boards/{board}/members", OWNERS_ONLY, {"username": "guest_{who}"}),
    Case("GET", "/api/v1/boards/{board}/tasks", BOARD_READ),
    Case("POST", "/api/v1/boards/{board}/tasks", BOARD_WRITE, {"title": "By {who}"}),
    Case("GET", "/api/v1/tasks/{task}", BOARD_READ),
    Case("PATCH", "/api/v1/tasks/{task}", BOARD_READ, {"title": "Renamed by {who}"}),
    Case("GET", "/api/v1/boards/{board}/rooms", BOARD_READ),
    Case("POST", "/api/v1/boards/{board}/rooms", BOARD_WRITE, {"name": "room of {who}"}),
    Case("GET", "/api/v1/rooms/{room}", ROOM_READ),
    Case("GET", "/api/v1/rooms/{room}/members", ROOM_READ),
    Case(
        "POST",
        "/api/v1/rooms/{room}/members",
        OWNERS_ONLY | {"member": 404, "roomie": 201},  # any room member adds (issue 13)
        {"username": "spare_{who}"},
    ),
]


@dataclass
class World:
    people: dict[str, Api]
    ids: dict[str, int]

    def path(self, template: str) -> str:
        return template.format(**self.ids)


@pytest.fixture
async def world(make_user: UserFactory, anonymous: Api) -> World:
    """alice owns the board and its room; bob is on the board only; dave is also in the room;
    carol is outside; root is an admin who is not on the board. guest_* are not on the board,
    spare_* are on it but not in the room: what room members and admins may add."""
    people = {
        "owner": await make_user("alice"),
        "member": await make_user("bob"),
        "roomie": await make_user("dave"),
        "outsider": await make_user("carol"),
        "admin": await make_user("root", admin=True),
        "anonymous": anonymous,
    }
    owner = people["owner"]
    async with owner.client.app[DATABASE].write() as session:
        for who in ("owner", "roomie", "admin"):
            await create_user(
                session, owner.client.app[PASSWORDS], f"guest_{who}", "password-guest"
            )
            await create_user(
                session, owner.client.app[PASSWORDS], f"spare_{who}", "password-spare"
            )
    _, board = await owner.post("/api/v1/boards", {"name": "Launch"})
    for name in ("bob", "dave", "spare_owner", "spare_roomie", "spare_admin"):
        status, body = await owner.post(f"/api/v1/boards/{board['id']}/members", {"username": name})
        assert status == 201, body
    _, room = await owner.post(
        f"/api/v1/boards/{board['id']}/rooms", {"name": "general", "members": ["dave"]}
    )
    _, task = await owner.post(f"/api/v1/boards/{board['id']}/tasks", {"title": "Ship it"})
    return World(people, {"board": board["id"], "room": room["id"], "task": task["id"]})


async def snapshot(world: World) -> dict[str, Any]:
    """Everything the admin can see about every board, and how long each board's log is."""
    admin = world.people["admin"]
    seen: dict[str, Any] = {}
    _, boards = await admin.get("/api/v1/boards?limit=200")
    for board in boards["items"]:
        base = f"/api/v1/boards/{board['id']}"
        seen[base] = board
        for part in ("members", "tasks", "rooms"):
            seen[f"{base}/{part}"] = (await admin.get(f"{base}/{part}?limit=200"))[1]
        for room in seen[f"{base}/rooms"]["items"]:
            members = f"/api/v1/rooms/{room['id']}/members?limit=200"
            seen[members] = (await admin.get(members))[1]
        async with admin.client.app[DATABASE].read() as session:
            seen[f"board:{board['id']}"] = await last_seq(session, f"board:{board['id']}")
    return seen


def fill(body: dict[str, Any] | None, who: str) -> dict[str, Any] | None:
    if body is None:
        return None
    return {key: value.format(who=who) for key, value in body.items()}


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.method} {case.path}")
async def test_permission_matrix(world: World, case: Case) -> None:
    assert set(case.expect) == set(ACTORS)
    path = world.path(case.path)
    for who in ACTORS:
        expected = case.expect[who]
        allowed = expected < 400
        before = None if allowed else await snapshot(world)
        body = fill(case.body, who if allowed else "owner")
        status, answer = await world.people[who].call(case.method, path, json=body)
        assert status == expected, (who, answer)
        if not allowed:
            assert answer["error"]["code"] in {"unauthenticated", "forbidden", "not_found"}
            assert await snapshot(world) == before, who


async def test_an_owner_outside_a_room_cannot_see_or_fill_it(
    world: World, make_user: UserFactory
) -> None:
    owner = world.people["owner"]
    erin = await make_user("erin")
    await owner.post(
        world.path("/api/v1/boards/{board}/members"), {"username": "erin", "role": "owner"}
    )
    before = await snapshot(world)
    assert (await erin.get(world.path("/api/v1/rooms/{room}")))[0] == 404
    status, _ = await erin.post(world.path("/api/v1/rooms/{room}/members"), {"username": "bob"})
    assert status == 404
    assert await snapshot(world) == before
    _, rooms = await erin.get(world.path("/api/v1/boards/{board}/rooms"))
    assert rooms["items"] == []


async def test_unknown_ids_are_not_found_even_for_admins(world: World) -> None:
    admin = world.people["admin"]
    for missing in (999, 2**31, 2**40):  # past 32 bits too: never an overflow in the driver
        for kind in ("boards", "tasks", "rooms"):
            assert (await admin.get(f"/api/v1/{kind}/{missing}"))[0] == 404
        status, _ = await admin.post(f"/api/v1/rooms/{missing}/members", {"username": "bob"})
        assert status == 404
