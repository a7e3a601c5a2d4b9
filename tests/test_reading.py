"""Reading clears what it reaches: a read frame on a room or a task marks read the reader's
notifications about its posts up to that seq, and only those, live on their own stream."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, UserFactory
from tests.realtime import Socket, Team, connect, make_team
from tests.test_webui import browser_login


@pytest.fixture
async def people(make_user: UserFactory) -> dict[str, Api]:
    return {name: await make_user(name) for name in ("alice", "bob", "carol")}


@pytest.fixture
async def team(people: dict[str, Api]) -> Team:
    """alice owns the board; bob and carol are on it and in its room."""
    return await make_team(people["alice"], people["bob"], people["carol"])


async def unread(api: Api) -> list[dict[str, Any]]:
    status, page = await api.get("/api/v1/notifications?unread=1")
    assert status == 200
    return [note for note in page["items"] if note["kind"] in ("mention", "task_comment")]


async def read_and_wait(socket: Socket, stream: str, seq: int) -> list[dict[str, Any]]:
    """Send a read frame and a ping; frames are handled in order, so the pong comes after the
    read is done. The events that came before the pong."""
    await socket.send(type="read", stream=stream, seq=seq)
    await socket.send(type="ping")
    events = []
    while (frame := await socket.receive())["type"] != "pong":
        assert frame["type"] == "event", frame
        events.append(frame)
    return events


async def post(api: Api, path: str, body: str) -> dict[str, Any]:
    status, created = await api.post(path, {"body": body})
    assert status == 201, created
    return created


async def test_reading_a_room_up_to_seq_k_clears_only_mentions_up_to_k(
    people: dict[str, Api], team: Team
) -> None:
    alice, bob = people["alice"], people["bob"]
    messages = f"/api/v1/rooms/{team.room}/messages"
    first = await post(alice, messages, "@bob one")
    await post(alice, messages, "no mention")
    second = await post(alice, messages, "@room two")
    third = await post(alice, messages, "@bob three")
    assert len(await unread(bob)) == 3
    socket = await connect(bob)

    await read_and_wait(socket, f"room:{team.room}", second["seq"])
    left = await unread(bob)
    assert [note["target"]["id"] for note in left] == [third["id"]]
    assert first["seq"] < second["seq"] < third["seq"]
    # carol's own notifications are hers: bob's reading leaves them unread.
    assert len(await unread(people["carol"])) == 1
    await socket.close()


async def test_reading_a_room_is_announced_on_the_readers_stream(
    people: dict[str, Api], team: Team
) -> None:
    alice, bob = people["alice"], people["bob"]
    _, me = await bob.get("/api/v1/me")
    messages = f"/api/v1/rooms/{team.room}/messages"
    mention = await post(alice, messages, "@bob look")
    later = await post(alice, messages, "and later")
    socket = await connect(bob)

    await socket.send(type="read", stream=f"room:{team.room}", seq=mention["seq"])
    events = await socket.events(f"user:{me['id']}", 2)
    by_kind = {event["event"]: event["data"] for event in events}
    assert by_kind["room.read"] == {"room": team.room, "seq": mention["seq"], "unread": 1}
    note_read = by_kind["notification.read"]
    assert note_read["unread"] == (await bob.get("/api/v1/notifications/unread-count"))[1]["count"]
    assert len(note_read["ids"]) == 1 and note_read["tasks"] == []

    [moved] = await read_and_wait(socket, f"room:{team.room}", later["seq"])
    assert moved["event"] == "room.read"
    assert moved["data"] == {"room": team.room, "seq": later["seq"], "unread": 0}
    # Never back, and nothing to announce.
    assert await read_and_wait(socket, f"room:{team.room}", mention["seq"]) == []
    await socket.close()


async def test_reading_a_task_clears_its_mentions_and_comment_notices(
    people: dict[str, Api], team: Team
) -> None:
    alice, bob = people["alice"], people["bob"]
    status, _ = await alice.patch(f"/api/v1/tasks/{team.task}", {"assignees": ["bob"]})
    assert status == 200
    comments = f"/api/v1/tasks/{team.task}/comments"
    mention = await post(alice, comments, "@bob please check")
    notice = await post(alice, comments, "a plain comment bob hears about as assignee")
    assert [n["kind"] for n in await unread(bob)] == ["mention", "task_comment"]
    _, me = await bob.get("/api/v1/me")
    socket = await connect(bob)

    await socket.send(type="read", stream=f"task:{team.task}", seq=mention["seq"])
    [event] = await socket.events(f"user:{me['id']}", 1)
    assert event["event"] == "notification.read"
    assert event["data"]["tasks"] == [{"task": team.task, "mentions": 0}]
    assert [n["target"]["id"] for n in await unread(bob)] == [notice["id"]]

    await read_and_wait(socket, f"task:{team.task}", notice["seq"])
    assert await unread(bob) == []
    await socket.close()


async def test_task_read_frames_beyond_the_task_or_outside_it_are_refused(
    people: dict[str, Api], make_user: UserFactory, team: Team
) -> None:
    comment = await post(people["alice"], f"/api/v1/tasks/{team.task}/comments", "hi")
    socket = await connect(people["bob"])
    stream = f"task:{team.task}"
    await socket.send(type="read", stream=stream, seq=comment["seq"] + 1)
    error = await socket.receive_until("error")
    assert error["code"] == "invalid" and error["stream"] == stream
    outsider = await connect(await make_user("eve"))
    await outsider.send(type="read", stream=stream, seq=comment["seq"])
    assert (await outsider.receive_until("error"))["code"] == "not_found"
    await socket.close()
    await outsider.close()


async def test_notifications_name_their_place(people: dict[str, Api], team: Team) -> None:
    alice, bob = people["alice"], people["bob"]
    await post(alice, f"/api/v1/rooms/{team.room}/messages", "@bob in the room")
    await post(alice, f"/api/v1/tasks/{team.task}/comments", "@bob on the task")
    status, page = await bob.get("/api/v1/notifications")
    assert status == 200
    places = {note["snippet"]: note["place"] for note in page["items"]}
    assert places["@bob in the room"] == {"room": "general", "board": "Launch"}
    assert places["@bob on the task"] == {"task": "Ship it", "board": "Launch"}
    assert places["Launch"] == {"board": "Launch"}  # added_to_board


async def test_opening_a_page_from_a_notification_marks_it_read(
    people: dict[str, Api], team: Team
) -> None:
    """The notifications page links to `<target>?notification=<id>`: opening it (a middle click
    too: no script needed) marks that notification read, and only the viewer's own."""
    bob, client = people["bob"], people["bob"].client
    _, page = await bob.get("/api/v1/notifications")
    [added] = [note for note in page["items"] if note["kind"] == "added_to_room"]
    followed = f"/messaging/room/{team.room}/?notification={added['id']}"

    await browser_login(client, "carol")
    async with client.get(followed) as response:
        assert response.status == 200  # someone else's id is ignored
    async with client.get(f"/messaging/room/{team.room}/?notification={10**30}") as response:
        assert response.status == 200
    assert await is_read(bob, added["id"]) is False

    await browser_login(client, "bob")
    async with client.get(followed) as response:
        assert response.status == 200
    assert await is_read(bob, added["id"]) is True


async def is_read(api: Api, notification_id: int) -> bool:
    _, page = await api.get("/api/v1/notifications")
    return any(
        note["id"] == notification_id and note["read_at"] is not None for note in page["items"]
    )
