"""Taking people off boards and rooms (issue 13): who may, what is answered, the events, and
that the removed person's open sockets lose the streams at once."""

from __future__ import annotations

from typing import Any

import pytest

from hub.appkeys import DATABASE
from hub.db.event_log import events_after
from tests.conftest import Api, UserFactory
from tests.realtime import Team, connect, make_team

QUIET_S = 0.5


@pytest.fixture
async def people(make_user: UserFactory) -> dict[str, Api]:
    """alice owns the board; bob and carol are on it and in its room; dave is not on it."""
    people = {name: await make_user(name) for name in ("alice", "bob", "carol", "dave")}
    people["root"] = await make_user("root", admin=True)
    return people


@pytest.fixture
async def team(people: dict[str, Api]) -> Team:
    return await make_team(people["alice"], people["bob"], people["carol"])


async def names(api: Api, path: str) -> list[str]:
    status, page = await api.get(path)
    assert status == 200, page
    return [member["username"] for member in page["items"]]


async def log(api: Api, stream: str) -> list[tuple[str, dict[str, Any]]]:
    async with api.client.app[DATABASE].read() as session:
        events = await events_after(session, stream, 0, limit=1000)
    return [(event.kind, event.data) for event in events]


async def user_id(api: Api) -> int:
    return int((await api.get("/api/v1/me"))[1]["id"])


async def test_an_owner_removes_a_board_member_from_the_board_and_its_rooms(
    people: dict[str, Api], team: Team
) -> None:
    alice, bob = people["alice"], people["bob"]
    status, body = await alice.delete(f"/api/v1/boards/{team.board}/members/BOB")
    assert (status, body) == (204, None)
    assert await names(alice, f"/api/v1/boards/{team.board}/members") == ["alice", "carol"]
    assert await names(alice, f"/api/v1/rooms/{team.room}/members") == ["alice", "carol"]
    assert (await bob.get(f"/api/v1/boards/{team.board}"))[0] == 404
    assert (await bob.get(f"/api/v1/rooms/{team.room}"))[0] == 404
    board_events = await log(alice, f"board:{team.board}")
    assert board_events[-2:] == [
        ("room.member_removed", {"username": "bob", "display_name": "Bob", "room": team.room}),
        ("board.member_removed", {"username": "bob", "display_name": "Bob", "board": team.board}),
    ]
    bob_events = [kind for kind, _ in await log(bob, f"user:{await user_id(bob)}")]
    assert bob_events[-2:] == ["room.member_removed", "board.member_removed"]


async def test_board_removal_refusals(people: dict[str, Api], team: Team) -> None:
    alice, bob, dave, root = people["alice"], people["bob"], people["dave"], people["root"]
    members = f"/api/v1/boards/{team.board}/members"
    for who, name, status, code in [
        (dave, "bob", 404, "not_found"),  # dave cannot see the board
        (bob, "carol", 403, "forbidden"),  # bob sees it but does not own it
        (alice, "dave", 404, "not_found"),  # not a member
        (alice, "ghost", 404, "not_found"),  # no such user
        (alice, "no%00body", 404, "not_found"),
        (alice, "alice", 409, "conflict"),  # the last owner
    ]:
        answer, body = await who.delete(f"{members}/{name}")
        assert (answer, body["error"]["code"]) == (status, code), (who.username, name)
    assert (await alice.delete("/api/v1/boards/999999/members/bob"))[0] == 404
    assert (await root.post(members, {"username": "dave", "role": "owner"}))[0] == 201
    assert (await dave.delete(f"{members}/alice"))[0] == 204  # another owner remains
    answer, body = await dave.delete(f"{members}/dave")
    assert (answer, body["error"]["field"]) == (409, "username")
    assert await names(root, members) == ["bob", "carol", "dave"]


async def test_room_removal_owners_admins_and_oneself(people: dict[str, Api], team: Team) -> None:
    alice, bob, carol, dave = people["alice"], people["bob"], people["carol"], people["dave"]
    members = f"/api/v1/rooms/{team.room}/members"
    answer, body = await bob.delete(f"{members}/carol")
    assert (answer, body["error"]["code"]) == (403, "forbidden")
    answer, body = await dave.delete(f"{members}/carol")
    assert (answer, body["error"]["code"]) == (404, "not_found")
    answer, body = await alice.delete(f"{members}/dave")
    assert (answer, body["error"]["field"]) == (404, "username")
    assert (await bob.delete(f"{members}/bob"))[0] == 204  # leaving
    assert (await bob.get(f"/api/v1/rooms/{team.room}"))[0] == 404
    assert (await bob.get(f"/api/v1/boards/{team.board}"))[0] == 200  # still on the board
    assert (await alice.delete(f"{members}/carol"))[0] == 204
    assert (await people["root"].delete(f"{members}/alice"))[0] == 204
    assert await names(people["root"], members) == []
    assert (await carol.get(f"/api/v1/rooms/{team.room}"))[0] == 404


async def test_removal_takes_open_sockets_off_the_lost_streams(
    people: dict[str, Api], team: Team
) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    room, board, task = f"room:{team.room}", f"board:{team.board}", f"task:{team.task}"
    for socket in (b, c):
        for stream in (room, board, task):
            await socket.subscribe(stream)

    assert (await alice.delete(f"/api/v1/rooms/{team.room}/members/carol"))[0] == 204
    assert await c.receive_until("unsubscribed") == {"type": "unsubscribed", "stream": room}
    assert (await alice.delete(f"/api/v1/boards/{team.board}/members/bob"))[0] == 204
    lost = {(await b.receive_until("unsubscribed"))["stream"] for _ in range(3)}
    assert lost == {room, board, task}

    await a.send_message(team.room, "not for bob nor carol")
    for socket in (b, c):
        assert [f for f in await socket.quiet(QUIET_S) if f.get("stream") == room] == []
        await socket.send(type="subscribe", stream=room)
        frame = await socket.receive_until("error")
        assert (frame["code"], frame["stream"]) == ("not_found", room)
    await b.send(type="subscribe", stream=board)
    assert (await b.receive_until("error"))["code"] == "not_found"
    await c.send(type="subscribe", stream=board)  # carol is still on the board
    assert (await c.receive_until("subscribed"))["stream"] == board
    for socket in (a, b, c):
        await socket.close()


async def test_the_removed_person_hears_of_it_on_their_own_stream(
    people: dict[str, Api], team: Team
) -> None:
    alice, bob = people["alice"], people["bob"]
    b = await connect(bob)
    me = f"user:{await user_id(bob)}"
    assert (await alice.delete(f"/api/v1/boards/{team.board}/members/bob"))[0] == 204
    frames = await b.events(me, 2)
    assert [(f["event"], f["data"]) for f in frames] == [
        ("room.member_removed", {"room": team.room, "board": team.board}),
        ("board.member_removed", {"board": team.board}),
    ]
    await b.close()


async def test_any_room_member_adds_board_members_to_the_room(
    people: dict[str, Api], team: Team
) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    assert (await alice.delete(f"/api/v1/rooms/{team.room}/members/carol"))[0] == 204
    status, body = await bob.post(f"/api/v1/rooms/{team.room}/members", {"username": "carol"})
    assert status == 201, body
    assert (await carol.get(f"/api/v1/rooms/{team.room}"))[0] == 200
    status, body = await bob.post(f"/api/v1/rooms/{team.room}/members", {"username": "dave"})
    assert (status, body["error"]["field"]) == (400, "username")  # not on the board


async def test_a_post_tells_its_author_who_it_named_but_did_not_notify(
    people: dict[str, Api],
) -> None:
    alice, bob = people["alice"], people["bob"]
    team = await make_team(alice, bob, people["carol"], room_members=[bob])
    body = "@carol @Dave @bob @ghost `@root` carol@example.com @alice"
    status, message = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": body})
    assert status == 201, message
    assert message["mentions"] == ["bob"]
    assert message["not_notified"] == [
        {"username": "carol", "on_board": True},
        {"username": "dave", "on_board": False},
    ]
    status, comment = await alice.post(
        f"/api/v1/tasks/{team.task}/comments", {"body": "@carol @dave"}
    )
    assert comment["not_notified"] == [{"username": "dave", "on_board": False}]
    _, page = await alice.get(f"/api/v1/rooms/{team.room}/messages")
    assert "not_notified" not in page["items"][0]  # the author's answer only

    a = await connect(alice)
    ack = await a.send_message(team.room, "hi @carol")
    assert ack["not_notified"] == [{"username": "carol", "on_board": True}]
    assert "not_notified" not in await a.send_message(team.room, "hi @bob")
    await a.close()
