"""The demo data: what its people can log in to and see, and that loading twice is harmless."""

from __future__ import annotations

import pytest

from hub.appkeys import DATABASE, PASSWORDS
from hub.db.event_log import events_after
from hub.demo import DEMO_BOARD_NAME, DemoSummary, load_demo
from hub.errors import Conflict
from hub.services.users import user_by_name
from tests.conftest import Api, UserFactory


async def log_in(anonymous: Api, username: str, password: str) -> Api:
    status, body = await anonymous.post(
        "/api/v1/auth/login", {"username": username, "password": password}
    )
    assert status == 200, body
    return Api(anonymous.client, token=body["token"], username=username)


async def test_the_demo_gives_three_people_a_board_with_rooms_tasks_and_talk(
    anonymous: Api,
) -> None:
    summary = await load_demo(anonymous.client.app[DATABASE], anonymous.client.app[PASSWORDS])
    assert summary.created
    assert [login.username for login in summary.logins] == ["alice", "bob", "carol"]
    text = str(summary)
    assert DEMO_BOARD_NAME in text
    assert all(login.password in text for login in summary.logins)
    people = {
        login.username: await log_in(anonymous, login.username, login.password)
        for login in summary.logins
    }
    alice, bob, carol = people["alice"], people["bob"], people["carol"]

    _, boards = await alice.get("/api/v1/boards")
    assert [(b["id"], b["name"], b["role"]) for b in boards["items"]] == [
        (summary.board_id, DEMO_BOARD_NAME, "owner")
    ]
    board = f"/api/v1/boards/{summary.board_id}"
    _, members = await bob.get(f"{board}/members")
    assert [(m["username"], m["role"]) for m in members["items"]] == [
        ("alice", "owner"),
        ("bob", "member"),
        ("carol", "member"),
    ]
    _, tasks = await carol.get(f"{board}/tasks")
    assert len(tasks["items"]) == 6
    assert {task["status"] for task in tasks["items"]} == {"todo", "in_progress", "done"}
    assert any(task["assignees"] for task in tasks["items"])

    rooms = {
        name: [room["name"] for room in (await api.get(f"{board}/rooms"))[1]["items"]]
        for name, api in people.items()
    }
    assert rooms == {
        "alice": ["general", "design"],
        "bob": ["general"],
        "carol": ["general", "design"],
    }
    _, general = await bob.get(f"{board}/rooms")
    _, messages = await bob.get(f"/api/v1/rooms/{general['items'][0]['id']}/messages")
    assert len(messages["items"]) == 2


async def test_the_demo_is_recorded_on_the_board_stream_in_order(anonymous: Api) -> None:
    database = anonymous.client.app[DATABASE]
    summary = await load_demo(database, anonymous.client.app[PASSWORDS])
    async with database.read() as session:
        events = await events_after(session, f"board:{summary.board_id}", 0, limit=1000)
    assert [event.seq for event in events] == list(range(1, len(events) + 1))
    kinds = [event.kind for event in events]
    assert kinds.count("board.member_added") == 2
    assert kinds.count("room.created") == 2
    assert kinds.count("task.created") == 6


async def test_loading_the_demo_again_changes_nothing(anonymous: Api, admin: Api) -> None:
    database = anonymous.client.app[DATABASE]
    first = await load_demo(database, anonymous.client.app[PASSWORDS])
    _, before = await admin.get(f"/api/v1/boards/{first.board_id}/tasks")
    again = await load_demo(database, anonymous.client.app[PASSWORDS])
    assert again == DemoSummary(board_id=first.board_id, created=False)
    assert all(login.password not in str(again) for login in first.logins)
    assert len((await admin.get("/api/v1/boards"))[1]["items"]) == 1
    assert (await admin.get(f"/api/v1/boards/{first.board_id}/tasks"))[1] == before
    await log_in(anonymous, "alice", first.logins[0].password)


async def test_the_demo_never_takes_over_an_existing_account(
    make_user: UserFactory, admin: Api, anonymous: Api
) -> None:
    await make_user("Bob")
    database = anonymous.client.app[DATABASE]
    with pytest.raises(Conflict, match="bob"):
        await load_demo(database, anonymous.client.app[PASSWORDS])
    assert (await admin.get("/api/v1/boards"))[1]["items"] == []
    async with database.read() as session:
        assert await user_by_name(session, "alice") is None
