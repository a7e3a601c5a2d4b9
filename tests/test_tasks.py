"""Tasks over HTTP: shapes, defaults, validation, changes, paging and board-stream events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hub.appkeys import DATABASE
from hub.db.event_log import events_after
from tests.conftest import Api, UserFactory

TASK_KEYS = {"id", "board", "title", "description", "status", "assignees", "created_at"} | {
    "updated_at"
}


def parsed(data: dict[str, Any]) -> dict[str, Any]:
    """Timestamps as instants: the event log and HTTP may spell UTC differently (+00:00, Z)."""
    return {k: datetime.fromisoformat(v) if k.endswith("_at") else v for k, v in data.items()}


async def board_log(api: Api, board_id: int) -> list[tuple[int, str, dict[str, Any]]]:
    """(seq, kind, data) of every event recorded on the board's stream."""
    async with api.client.app[DATABASE].read() as session:
        events = await events_after(session, f"board:{board_id}", 0, limit=1000)
    return [(event.seq, event.kind, parsed(event.data)) for event in events]


@pytest.fixture
async def alice(make_user: UserFactory) -> Api:
    return await make_user("alice")


@pytest.fixture
async def board(alice: Api, make_user: UserFactory) -> int:
    """alice's board with bob and carol on it; dave exists but is not on it."""
    _, board = await alice.post("/api/v1/boards", {"name": "Launch"})
    for name in ("bob", "carol"):
        await make_user(name)
        await alice.post(f"/api/v1/boards/{board['id']}/members", {"username": name})
    await make_user("dave")
    return int(board["id"])


async def test_a_new_task_starts_in_the_first_column(alice: Api, board: int) -> None:
    status, task = await alice.post(f"/api/v1/boards/{board}/tasks", {"title": "  Ship it "})
    assert status == 201
    assert set(task) == TASK_KEYS
    assert (task["board"], task["title"], task["status"]) == (board, "Ship it", "todo")
    assert task["assignees"] == [] and task["description"] == ""
    assert task["created_at"] == task["updated_at"]
    assert (await alice.get(f"/api/v1/tasks/{task['id']}")) == (200, task)


async def test_a_task_takes_status_assignees_and_description(alice: Api, board: int) -> None:
    status, task = await alice.post(
        f"/api/v1/boards/{board}/tasks",
        {
            "title": "Bridge",
            "status": "in_progress",
            "assignees": ["CAROL", "bob", "Carol"],
            "description": "Link #launch",
        },
    )
    assert status == 201, task
    assert task["status"] == "in_progress" and task["description"] == "Link #launch"
    assert task["assignees"] == ["bob", "carol"]


async def test_status_defaults_to_the_first_of_the_boards_own_columns(alice: Api) -> None:
    _, board = await alice.post("/api/v1/boards", {"name": "B", "columns": ["backlog", "live"]})
    tasks = f"/api/v1/boards/{board['id']}/tasks"
    assert (await alice.post(tasks, {"title": "T"}))[1]["status"] == "backlog"
    status, body = await alice.post(tasks, {"title": "T", "status": "todo"})
    assert status == 400 and body["error"]["field"] == "status"


INVALID_TASKS = [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({}, "title"),
    ({"title": "T", "status": "Done"}, "status"),
    ({"title": "T", "status": "x" * 33}, "status"),
    ({"title": "T", "assignees": ["dave"]}, "assignees"),
    ({"title": "T", "assignees": ["bob", "nobody"]}, "assignees"),
    ({"title": "T", "assignees": "bob"}, "assignees"),
    ({"title": "T", "description": "x" * 2001}, "description"),
    ({"title": "T", "priority": 1}, "priority"),
]


async def test_invalid_tasks_are_refused_naming_the_field(alice: Api, board: int) -> None:
    for fields, field in INVALID_TASKS:
        status, body = await alice.post(f"/api/v1/boards/{board}/tasks", fields)
        assert status == 400, fields
        assert body["error"]["code"] == "invalid" and body["error"]["field"] == field, fields
    assert (await alice.get(f"/api/v1/boards/{board}/tasks"))[1]["items"] == []


async def test_a_patch_changes_only_the_fields_sent(alice: Api, board: int) -> None:
    _, task = await alice.post(
        f"/api/v1/boards/{board}/tasks",
        {"title": "Ship", "assignees": ["bob"], "description": "soon"},
    )
    url = f"/api/v1/tasks/{task['id']}"
    status, moved = await alice.patch(url, {"status": "done"})
    assert status == 200
    assert {**task, "status": "done", "updated_at": moved["updated_at"]} == moved
    assert datetime.fromisoformat(moved["updated_at"]) > datetime.fromisoformat(task["updated_at"])

    status, reassigned = await alice.patch(url, {"assignees": ["carol"], "title": " Ship! "})
    assert status == 200
    assert (reassigned["assignees"], reassigned["title"]) == (["carol"], "Ship!")
    assert reassigned["description"] == "soon" and reassigned["status"] == "done"
    _, cleared = await alice.patch(url, {"assignees": [], "description": ""})
    assert (cleared["assignees"], cleared["description"]) == ([], "")
    assert (await alice.get(url))[1] == cleared


INVALID_PATCHES = [
    ({"title": None}, "title"),
    ({"status": None}, "status"),
    ({"assignees": None}, "assignees"),
    ({"title": ""}, "title"),
    ({"status": "blocked"}, "status"),
    ({"assignees": ["dave"]}, "assignees"),
    ({"board": 2}, "board"),
]


async def test_invalid_patches_change_nothing(alice: Api, board: int) -> None:
    _, task = await alice.post(
        f"/api/v1/boards/{board}/tasks", {"title": "T", "assignees": ["bob"]}
    )
    for fields, field in INVALID_PATCHES:
        status, body = await alice.patch(f"/api/v1/tasks/{task['id']}", fields)
        assert status == 400 and body["error"]["field"] == field, fields
    assert (await alice.get(f"/api/v1/tasks/{task['id']}"))[1] == task
    assert len(await board_log(alice, board)) == 3  # two members joined, one task created


@pytest.mark.settings(page_size_default=2, page_size_max=3)
async def test_tasks_page_by_id(alice: Api, board: int) -> None:
    tasks = f"/api/v1/boards/{board}/tasks"
    ids = [(await alice.post(tasks, {"title": f"T{n}"}))[1]["id"] for n in range(5)]
    _, first = await alice.get(tasks)
    assert [t["id"] for t in first["items"]] == ids[:2] and first["next"] == ids[1]
    _, rest = await alice.get(tasks, params={"after": first["next"], "limit": 3})
    assert [t["id"] for t in rest["items"]] == ids[2:] and rest["next"] is None
    _, back = await alice.get(tasks, params={"before": ids[3]})
    assert [t["id"] for t in back["items"]] == ids[1:3] and back["next"] == ids[1]
    status, body = await alice.get(tasks, params={"limit": 4})
    assert status == 400 and body["error"]["field"] == "limit"


async def test_task_changes_are_events_numbered_per_board(alice: Api, board: int) -> None:
    _, other = await alice.post("/api/v1/boards", {"name": "Other"})
    before = len(await board_log(alice, board))  # the two members added by the fixture
    tasks = f"/api/v1/boards/{board}/tasks"
    _, first = await alice.post(tasks, {"title": "One", "assignees": ["bob"]})
    _, elsewhere = await alice.post(f"/api/v1/boards/{other['id']}/tasks", {"title": "There"})
    _, second = await alice.post(tasks, {"title": "Two"})
    _, changed = await alice.patch(f"/api/v1/tasks/{first['id']}", {"status": "done"})
    await alice.patch(f"/api/v1/tasks/{first['id']}", {"status": "done"})  # no change, no event
    await alice.patch(f"/api/v1/tasks/{first['id']}", {})

    assert before == 2
    assert (await board_log(alice, board))[before:] == [
        (3, "task.created", parsed(first)),
        (4, "task.created", parsed(second)),
        (5, "task.updated", parsed(changed)),
    ]
    assert await board_log(alice, other["id"]) == [(1, "task.created", parsed(elsewhere))]
