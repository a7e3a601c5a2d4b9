"""Client frames are checked strictly (issue 12): every wrong field is an `invalid` error
frame, never a 1011 close, and the socket goes on working."""

from __future__ import annotations

import json
import uuid
from typing import Any

import orjson
import pytest
from aiohttp import WSCloseCode

from tests.conftest import Api, UserFactory
from tests.realtime import Socket, connect, make_team

ROOM = object()  # stands for the team's room id


@pytest.fixture
async def pair(make_user: UserFactory) -> tuple[Api, Api]:
    return await make_user("alice"), await make_user("bob")


async def refused(socket: Socket, raw: str) -> dict[str, Any]:
    """Send `raw`; the error frame it got, once a ping behind it is answered too."""
    await socket.ws.send_str(raw)
    error = await socket.receive_until("error")
    await socket.send(type="ping")
    await socket.receive_until("pong")
    return error


@pytest.mark.parametrize(
    "frame",
    [
        {"type": ["subscribe"]},
        {"type": {}},
        {"type": {"a": [1, 2]}},
        {"type": None},
        {"type": 7},
        {"type": True},
        {},
    ],
)
async def test_a_type_that_is_not_a_string_is_invalid(
    make_user: UserFactory, frame: dict[str, object]
) -> None:
    a = await connect(await make_user("alice"))
    error = await refused(a, orjson.dumps(frame).decode())
    assert error["code"] == "invalid" and "unknown frame type" in str(error["message"])
    await a.close()


async def test_deeply_nested_junk_is_invalid_and_not_echoed(make_user: UserFactory) -> None:
    a = await connect(await make_user("alice"))
    nested = "[" * 1000 + "]" * 1000  # as deep as orjson reads: repr() of it would overflow
    error = await refused(a, f'{{"type": {nested}}}')
    assert error["code"] == "invalid" and len(str(error["message"])) < 200
    huge = "x" * 100_000
    error = await refused(a, orjson.dumps({"type": "dance", "client_id": huge}).decode())
    assert error["code"] == "invalid" and "client_id" not in error
    assert len(orjson.dumps(error)) < 300
    await a.close()


async def test_only_canonical_stream_names_are_accepted(pair: tuple[Api, Api]) -> None:
    alice, bob = pair
    team = await make_team(alice, bob)
    a, b = await connect(alice), await connect(bob)
    for name in (
        f"room:0{team.room}",
        f"room:00{team.room}",
        f"room:+{team.room}",
        f"room:{team.room}\n",
        f" room:{team.room}",
        f"ROOM:{team.room}",
        "room:0",
        f"room:{2**62 + 1}",
        "room:" + "9" * 19,
        "room:\u0661",  # ARABIC-INDIC DIGIT ONE: a digit to str.isdigit, not an id
    ):
        error = await refused(b, orjson.dumps({"type": "subscribe", "stream": name}).decode())
        assert error["code"] == "invalid", (name, error)
        assert error["stream"] == name
    stream = f"room:{team.room}"
    await a.subscribe(stream)
    await b.subscribe(stream)
    ack = await a.send_message(team.room, "only the canonical name gets this")
    [event] = await b.events(stream, 1)
    assert event["data"]["id"] == ack["id"]
    await a.close()
    await b.close()


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "subscribe", "since": "1"},
        {"type": "subscribe", "since": True},
        {"type": "subscribe", "since": 1.0},
        {"type": "subscribe", "since": 2**62 + 1},
        {"type": "subscribe", "since": 2**64},  # orjson reads it as a float
        {"type": "message.send", "room": "1", "body": "hi"},
        {"type": "message.send", "room": True, "body": "hi"},
        {"type": "message.send", "room": 1.0, "body": "hi"},
        {"type": "message.send", "room": 0, "body": "hi"},
        {"type": "message.send", "room": ROOM, "body": 5},
        {"type": "message.send", "room": ROOM, "body": "hi", "client_id": 5},
        {"type": "comment.send", "task": "1", "body": "hi"},
        {"type": "read", "seq": "1"},
        {"type": "read", "seq": False},
        {"type": "read", "seq": -1},
        {"type": "typing", "stream": 12},
    ],
)
async def test_fields_must_have_their_exact_json_type(
    pair: tuple[Api, Api], fields: dict[str, object]
) -> None:
    alice, bob = pair
    team = await make_team(alice, bob)
    frame = {"stream": f"room:{team.room}", "client_id": "c1", **fields}
    if frame.get("room") is ROOM:
        frame["room"] = team.room
    b = await connect(bob)
    error = await refused(b, json.dumps(frame))  # json: orjson stops at 64-bit integers
    assert error["code"] == "invalid", error
    assert error.get("client_id") == ("c1" if frame["client_id"] == "c1" else None)
    await b.close()


async def test_a_read_marker_beyond_the_room_is_refused(pair: tuple[Api, Api]) -> None:
    alice, bob = pair
    team = await make_team(alice, bob)
    a = await connect(alice)
    ack = await a.send_message(team.room, "one")
    stream = f"room:{team.room}"
    for seq in (ack["seq"] + 1, 2**62):
        error = await refused(a, json.dumps({"type": "read", "stream": stream, "seq": seq}))
        assert error == {**error, "code": "invalid", "stream": stream}
    await a.send(type="read", stream=stream, seq=ack["seq"])
    assert [f for f in await a.quiet() if f["type"] == "error"] == []
    await a.close()


@pytest.mark.settings(ws_max_invalid_frames=5)
async def test_too_many_invalid_frames_close_with_1008(make_user: UserFactory) -> None:
    a = await connect(await make_user("alice"))
    for _ in range(5):
        await a.ws.send_str("not json")
    frames, reason = await a.until_closed()
    assert [frame["code"] for frame in frames] == ["invalid"] * 5
    assert a.ws.close_code == WSCloseCode.POLICY_VIOLATION
    assert reason == "too many invalid frames"


async def test_valid_frames_between_invalid_ones_reset_the_count(
    pair: tuple[Api, Api],
) -> None:
    alice, bob = pair
    team = await make_team(alice, bob)
    a = await connect(alice)
    for _ in range(3):
        for _ in range(15):
            await a.ws.send_str("{}")
        await a.send(type="message.send", room=team.room, body="hi", client_id=str(uuid.uuid4()))
        await a.receive_until("ack")
    assert not a.ws.closed
    await a.close()
