"""Mentions and notifications: the right people, exactly once each, live and in the list."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, UserFactory
from tests.realtime import Team, connect, make_team


@pytest.fixture
async def people(make_user: UserFactory) -> dict[str, Api]:
    return {name: await make_user(name) for name in ("alice", "bob", "carol", "dave", "eve")}


@pytest.fixture
async def team(people: dict[str, Api]) -> Team:
    """alice owns the board; bob and carol share the room; dave is on the board only; eve is out."""
    p = people
    return await make_team(
        p["alice"], p["bob"], p["carol"], p["dave"], room_members=[p["bob"], p["carol"]]
    )


async def mention_notifications(api: Api) -> list[dict[str, Any]]:
    status, page = await api.get("/api/v1/notifications")
    assert status == 200
    return [n for n in page["items"] if n["kind"] in ("mention", "task_comment")]


async def test_mentions_notify_only_visible_named_people(
    people: dict[str, Api], team: Team
) -> None:
    body = "hi @bob and @Bob. and @dave, @eve, @nobody `@carol` carol@example.com"
    status, message = await people["alice"].post(
        f"/api/v1/rooms/{team.room}/messages", {"body": body}
    )
    assert status == 201 and message["mentions"] == ["bob"]
    [note] = await mention_notifications(people["bob"])
    assert note["kind"] == "mention" and note["actor"]["username"] == "alice"
    assert note["target"] == {
        "type": "message",
        "id": message["id"],
        "room": team.room,
        "url": f"/messaging/room/{team.room}/#message-{message['id']}",
    }
    for name in ("alice", "carol", "dave", "eve"):
        assert await mention_notifications(people[name]) == [], name


async def test_room_mention_notifies_every_member_but_the_author(
    people: dict[str, Api], team: Team
) -> None:
    _, message = await people["bob"].post(
        f"/api/v1/rooms/{team.room}/messages", {"body": "@room standup @carol"}
    )
    assert sorted(message["mentions"]) == ["alice", "carol"]
    assert len(await mention_notifications(people["alice"])) == 1
    assert len(await mention_notifications(people["carol"])) == 1
    assert await mention_notifications(people["bob"]) == []
    assert await mention_notifications(people["dave"]) == []


async def test_edit_notifies_only_the_newly_mentioned_once(
    people: dict[str, Api], team: Team
) -> None:
    alice = people["alice"]
    _, message = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": "ping @bob"})
    status, edited = await alice.patch(
        f"/api/v1/messages/{message['id']}", {"body": "ping @bob @carol"}
    )
    assert status == 200 and sorted(edited["mentions"]) == ["bob", "carol"]
    await alice.patch(f"/api/v1/messages/{message['id']}", {"body": "ping @carol again, @bob"})
    assert len(await mention_notifications(people["bob"])) == 1
    assert len(await mention_notifications(people["carol"])) == 1


async def test_comment_notifies_assignees_and_mentions_once(
    people: dict[str, Api], team: Team
) -> None:
    alice = people["alice"]
    status, task = await alice.patch(
        f"/api/v1/tasks/{team.task}", {"assignees": ["bob", "dave", "alice"]}
    )
    assert status == 200, task
    await alice.post(
        f"/api/v1/tasks/{team.task}/comments", {"body": "@dave please review; @eve too"}
    )
    assert [n["kind"] for n in await mention_notifications(people["dave"])] == ["mention"]
    [bob_note] = await mention_notifications(people["bob"])
    assert bob_note["kind"] == "task_comment" and bob_note["target"]["task"] == team.task
    assert await mention_notifications(people["alice"]) == []
    assert await mention_notifications(people["eve"]) == []


async def test_notifications_arrive_live_and_can_be_read(
    people: dict[str, Api], team: Team
) -> None:
    bob = people["bob"]
    socket = await connect(bob)
    status, me = await bob.get("/api/v1/me")
    await people["alice"].post(f"/api/v1/rooms/{team.room}/messages", {"body": "@bob look"})
    [live] = await socket.events(f"user:{me['id']}", 1)
    assert live["event"] == "notification.created" and live["data"]["snippet"] == "@bob look"

    assert (await bob.get("/api/v1/notifications/unread-count"))[1]["count"] >= 1
    status, note = await bob.post(f"/api/v1/notifications/{live['data']['id']}/read")
    assert status == 200 and note["read_at"]
    assert (await people["carol"].post(f"/api/v1/notifications/{live['data']['id']}/read"))[
        0
    ] == 404
    status, unread = await bob.get("/api/v1/notifications?unread=1")
    assert live["data"]["id"] not in [n["id"] for n in unread["items"]]
    unread_before = (await bob.get("/api/v1/notifications/unread-count"))[1]["count"]
    status, done = await bob.post("/api/v1/notifications/read-all")
    assert status == 200 and done["count"] == unread_before
    assert (await bob.get("/api/v1/notifications/unread-count"))[1] == {"count": 0}
    await socket.close()


async def test_being_added_to_a_board_or_room_notifies(people: dict[str, Api], team: Team) -> None:
    """make_team added bob to the board and to the room; alice created both and gets neither."""
    status, page = await people["bob"].get("/api/v1/notifications")
    assert status == 200
    added = {note["kind"]: note for note in page["items"] if note["kind"].startswith("added_to_")}
    assert added["added_to_board"]["target"] == {
        "type": "board",
        "id": team.board,
        "board": team.board,
        "url": f"/boards/{team.board}/",
    }
    assert added["added_to_room"]["target"]["room"] == team.room
    assert added["added_to_room"]["actor"]["username"] == "alice"
    _, dave_page = await people["dave"].get("/api/v1/notifications")
    assert [note["kind"] for note in dave_page["items"]] == ["added_to_board"]
    _, alice_page = await people["alice"].get("/api/v1/notifications")
    assert alice_page["items"] == []
