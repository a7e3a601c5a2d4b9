"""The WebSocket of DESIGN §6 with real clients against a served hub."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import WSCloseCode, WSMsgType, WSServerHandshakeError
from sqlalchemy import select

from hub.appkeys import DATABASE
from hub.db.models import RoomMember, User
from hub.realtime.handlers import FrameHandler
from tests.conftest import Api, UserFactory
from tests.realtime import connect, make_team


@pytest.fixture
async def trio(make_user: UserFactory) -> tuple[Api, Api, Api]:
    return await make_user("alice"), await make_user("bob"), await make_user("carol")


async def test_message_reaches_other_member_with_same_id_and_seq(
    trio: tuple[Api, Api, Api],
) -> None:
    alice, bob, carol = trio
    team = await make_team(alice, bob)
    stream = f"room:{team.room}"
    a, b = await connect(alice), await connect(bob)
    await a.subscribe(stream)
    subscribed = await b.subscribe(stream)

    ack = await a.send_message(team.room, "hello @bob")
    [event] = await b.events(stream, 1)

    assert event["event"] == "message.created"
    assert event["data"]["id"] == ack["id"] and event["seq"] == ack["seq"]
    assert event["seq"] == subscribed["seq"] + 1
    assert event["data"]["body"] == "hello @bob"
    assert event["data"]["author"] == {"username": "alice", "display_name": "Alice"}
    assert event["data"]["mentions"] == ["bob"]
    _, history = await bob.get(f"/api/v1/rooms/{team.room}/messages")
    assert history["items"][-1] == event["data"]  # the same shape, live or fetched

    c = await connect(carol)
    await c.send(type="subscribe", stream=stream)
    refused = await c.receive_until("error")
    assert refused["code"] == "not_found" and refused["stream"] == stream
    await c.send(type="message.send", room=team.room, body="let me in", client_id="c1")
    refused = await c.receive_until("error")
    assert refused["code"] == "not_found" and refused["client_id"] == "c1"
    assert [f for f in await b.quiet() if f.get("type") == "event" and f["stream"] == stream] == []
    for socket in (a, b, c):
        await socket.close()


async def test_resume_replays_exactly_the_missed_events_then_live(
    trio: tuple[Api, Api, Api],
) -> None:
    alice, bob, _ = trio
    team = await make_team(alice, bob)
    stream = f"room:{team.room}"
    a, b = await connect(alice), await connect(bob)
    await a.subscribe(stream)
    last_seen = (await b.subscribe(stream))["seq"]
    await b.close()

    acks = [await a.send_message(team.room, f"message {n}") for n in range(50)]
    assert (await alice.patch(f"/api/v1/messages/{acks[10]['id']}", {"body": "edited"}))[0] == 200
    assert (await alice.delete(f"/api/v1/messages/{acks[20]['id']}"))[0] == 200

    b = await connect(bob)
    await b.send(type="subscribe", stream=stream, since=last_seen)
    replayed = await b.events(stream, 52)
    subscribed = await b.receive_until("subscribed", stream=stream)
    assert [e["seq"] for e in replayed] == list(range(last_seen + 1, last_seen + 53))
    assert [e["event"] for e in replayed] == ["message.created"] * 50 + [
        "message.updated",
        "message.deleted",
    ]
    assert [e["data"]["id"] for e in replayed[:50]] == [ack["id"] for ack in acks]
    assert replayed[50]["data"]["body"] == "edited"
    assert replayed[51]["data"]["body"] == "" and replayed[51]["data"]["html"] == ""
    assert subscribed["seq"] == last_seen + 52

    ack = await a.send_message(team.room, "live again")
    [live] = await b.events(stream, 1)
    assert live["seq"] == last_seen + 53 and live["data"]["id"] == ack["id"]
    assert [f for f in await b.quiet() if f["type"] == "event"] == []
    await a.close()
    await b.close()


async def test_since_beyond_the_stream_gets_reset(trio: tuple[Api, Api, Api]) -> None:
    alice, bob, _ = trio
    team = await make_team(alice, bob)
    b = await connect(bob)
    await b.send(type="subscribe", stream=f"room:{team.room}", since=999)
    assert (await b.receive())["type"] == "reset"
    await b.close()


async def test_resend_with_same_client_id_is_stored_once(trio: tuple[Api, Api, Api]) -> None:
    alice, bob, _ = trio
    team = await make_team(alice, bob)
    a = await connect(alice)
    frame = {"type": "message.send", "room": team.room, "body": "once", "client_id": "same-id"}
    await a.send(**frame)
    first = await a.receive_until("ack")
    await a.send(**frame)
    second = await a.receive_until("ack")
    assert first["id"] == second["id"] and first["seq"] == second["seq"]
    _, page = await bob.get(f"/api/v1/rooms/{team.room}/messages")
    assert [m["body"] for m in page["items"]] == ["once"]
    await a.close()


@pytest.mark.parametrize(
    ("raw", "expected_code"),
    [
        ("not json", "invalid"),
        ("[1, 2]", "invalid"),
        ('{"type": "dance"}', "invalid"),
        ('{"type": "subscribe"}', "invalid"),
        ('{"type": "subscribe", "stream": "room:abc"}', "invalid"),
        ('{"type": "subscribe", "stream": "room:999999"}', "not_found"),
        ('{"type": "subscribe", "stream": "user:999999"}', "not_found"),
        ('{"type": "message.send", "room": "x", "body": "hi", "client_id": "k"}', "invalid"),
        ('{"type": "message.send", "room": 999999, "body": "hi", "client_id": "k"}', "not_found"),
        ('{"type": "subscribe", "stream": "room:1", "since": -1}', "invalid"),
    ],
)
async def test_bad_frames_get_error_frames_and_the_socket_stays_usable(
    make_user: UserFactory, raw: str, expected_code: str
) -> None:
    alice = await make_user("alice")
    a = await connect(alice)
    await a.ws.send_str(raw)
    error = await a.receive_until("error")
    assert error["code"] == expected_code, error
    await a.send(type="ping")
    assert (await a.receive_until("pong"))["type"] == "pong"
    await a.close()


async def test_binary_and_oversized_bodies_are_refused_without_closing(
    trio: tuple[Api, Api, Api],
) -> None:
    alice, bob, _ = trio
    team = await make_team(alice, bob)
    a = await connect(alice)
    await a.ws.send_bytes(b"\x00\x01")
    assert (await a.receive_until("error"))["code"] == "invalid"
    await a.send(type="message.send", room=team.room, body="x" * 20000, client_id="big")
    error = await a.receive_until("error")
    assert error == {**error, "code": "too_large", "client_id": "big"}
    await a.send(type="message.send", room=team.room, body="nul\u0000byte", client_id="nul")
    assert (await a.receive_until("error", client_id="nul"))["code"] == "invalid"
    ack = await a.send_message(team.room, "still here")
    assert ack["id"] > 0
    await a.close()


async def test_upgrade_refused_without_credentials_or_from_a_foreign_origin(
    make_user: UserFactory,
) -> None:
    alice = await make_user("alice")
    with pytest.raises(WSServerHandshakeError) as no_credentials:
        await alice.client.ws_connect("/ws")
    assert no_credentials.value.status == 401
    with pytest.raises(WSServerHandshakeError) as foreign:
        await alice.client.ws_connect(
            "/ws", headers={**alice.headers(), "Origin": "https://evil.example"}
        )
    assert foreign.value.status == 403
    with pytest.raises(WSServerHandshakeError) as bad_token:
        await alice.client.ws_connect("/ws", headers={"Authorization": "Bearer nope"})
    assert bad_token.value.status == 401


@pytest.mark.settings(ws_heartbeat_s=0.2)
async def test_heartbeat_keeps_answering_clients_and_drops_silent_ones(
    make_user: UserFactory,
) -> None:
    alice = await make_user("alice")
    answering = await connect(alice)  # aiohttp's client answers pings while it reads
    silent = await alice.client.ws_connect("/ws", headers=alice.headers(), autoping=False)

    async def read_until_dropped() -> list[WSMsgType]:
        seen: list[WSMsgType] = []
        async with asyncio.timeout(5):
            while not seen or seen[-1] not in (WSMsgType.CLOSED, WSMsgType.ERROR):
                seen.append((await silent.receive()).type)
        return seen

    # Five heartbeats: the reading client answers each ping, the other never does.
    frames, seen = await asyncio.gather(answering.quiet(1.0), read_until_dropped())
    assert frames == [] and WSMsgType.PING in seen
    await answering.send(type="ping")
    assert await answering.receive_until("pong") == {"type": "pong"}
    await answering.close()


async def test_client_pings_are_answered_with_their_payload(make_user: UserFactory) -> None:
    alice = await make_user("alice")
    ws = await alice.client.ws_connect("/ws", headers=alice.headers(), autoping=False)
    await ws.ping(b"are you there")
    async with asyncio.timeout(5):
        while (message := await ws.receive()).type != WSMsgType.PONG:
            assert message.type == WSMsgType.TEXT
    assert message.data == b"are you there"
    await ws.close()


async def test_an_unexpected_error_closes_the_socket_with_1011(
    make_user: UserFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(_handler: FrameHandler, _raw: str) -> bool:
        raise RuntimeError("a bug")

    monkeypatch.setattr(FrameHandler, "handle", broken)
    alice = await make_user("alice")
    a = await connect(alice)
    await a.send(type="ping")
    async with asyncio.timeout(5):
        while (message := await a.ws.receive()).type == WSMsgType.TEXT:
            pass
    assert message.type == WSMsgType.CLOSE and a.ws.close_code == WSCloseCode.INTERNAL_ERROR


async def test_typing_and_presence_reach_the_room(trio: tuple[Api, Api, Api]) -> None:
    alice, bob, _ = trio
    team = await make_team(alice, bob)
    stream = f"room:{team.room}"
    a, b = await connect(alice), await connect(bob)
    await a.subscribe(stream)
    await b.subscribe(stream)
    presence = await a.receive_until("presence", online=["alice", "bob"])
    assert presence["stream"] == stream
    await b.send(type="typing", stream=stream)
    typing = await a.receive_until("typing")
    assert typing == {"type": "typing", "stream": stream, "user": "bob"}
    await b.close()
    assert (await a.receive_until("presence", online=["alice"]))["stream"] == stream
    await a.close()


async def test_read_marker_moves_forward_only(trio: tuple[Api, Api, Api]) -> None:
    alice, bob, _ = trio
    team = await make_team(alice, bob)
    b = await connect(bob)
    for n in range(3):  # a marker may not pass the room's last event
        await b.send_message(team.room, f"{n}")
    for seq in (3, 2):
        await b.send(type="read", stream=f"room:{team.room}", seq=seq)
    await b.send(type="ping")
    await b.receive_until("pong")
    async with bob.client.app[DATABASE].read() as session:
        marker = await session.scalar(
            select(RoomMember.last_read_seq)
            .join(User)
            .where(User.username == "bob", RoomMember.room_id == team.room)
        )
    assert marker == 3
    await b.close()


@pytest.mark.settings(send_rate_per_minute=5)
async def test_sends_over_the_rate_limit_are_refused(trio: tuple[Api, Api, Api]) -> None:
    alice, bob, _ = trio
    team = await make_team(alice, bob)
    a = await connect(alice)
    for n in range(5):
        await a.send_message(team.room, f"{n}")
    await a.send(type="message.send", room=team.room, body="one too many", client_id="late")
    error = await a.receive_until("error")
    assert error["code"] == "rate_limited" and error["client_id"] == "late"
    status, body = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": "over http"})
    assert status == 429 and body["error"]["code"] == "rate_limited"
    await a.close()


@pytest.mark.settings(
    ws_send_buffer_bytes=65_536,
    send_rate_per_minute=0,
    send_bytes_per_minute=0,
    ws_frames_per_second=10_000,
)
async def test_slow_consumer_is_disconnected_without_delaying_others(
    trio: tuple[Api, Api, Api],
) -> None:
    alice, bob, carol = trio
    team = await make_team(alice, bob, carol)
    stream = f"room:{team.room}"
    a, b = await connect(alice), await connect(bob)
    slow = await raw_socket_that_never_reads(carol, stream)
    await a.subscribe(stream)
    await b.subscribe(stream)
    body = "y" * 15000
    bob_reads = asyncio.create_task(b.events(stream, 300, timeout=120))
    for _ in range(300):
        await a.send_message(team.room, body)
    received = await bob_reads
    assert [event["data"]["body"] for event in received] == [body] * 300
    assert await slow.closed_within(10)
    await a.close()
    await b.close()


class RawSocket:
    """A WebSocket client that completes the handshake and then never reads."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def closed_within(self, seconds: float) -> bool:
        """Drain what the server sent and report whether it then closed the connection."""
        try:
            async with asyncio.timeout(seconds):
                while await self.reader.read(1 << 16):
                    pass
                return True
        except TimeoutError:
            return False
        except ConnectionError:
            return True
        finally:
            self.writer.close()


async def raw_socket_that_never_reads(api: Api, stream: str) -> RawSocket:
    import base64
    import os
    import socket
    import struct

    import orjson

    server = api.client.server
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, (server.host, server.port))
    reader, writer = await asyncio.open_connection(sock=raw, limit=4096)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /ws HTTP/1.1\r\nHost: {server.host}:{server.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {api.token}\r\n\r\n"
        ).encode()
    )
    response = await reader.readuntil(b"\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 101"), response
    payload = orjson.dumps({"type": "subscribe", "stream": stream})
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    writer.write(struct.pack("!BB", 0x81, 0x80 | len(payload)) + mask + masked)
    await writer.drain()
    await asyncio.sleep(0.2)
    return RawSocket(reader, writer)


async def test_board_stream_carries_tasks_rooms_and_membership(trio: tuple[Api, Api, Api]) -> None:
    alice, bob, _ = trio
    team = await make_team(alice, bob)
    stream = f"board:{team.board}"
    b = await connect(bob)
    await b.subscribe(stream)
    _, task = await alice.post(f"/api/v1/boards/{team.board}/tasks", {"title": "Write docs"})
    await alice.patch(f"/api/v1/tasks/{task['id']}", {"status": "done"})
    await alice.post(f"/api/v1/boards/{team.board}/members", {"username": "carol"})
    _, room = await alice.post(f"/api/v1/boards/{team.board}/rooms", {"name": "design"})
    events = await b.events(stream, 4)
    assert [e["event"] for e in events] == [
        "task.created",
        "task.updated",
        "board.member_added",
        "room.created",
    ]
    assert events[1]["data"]["status"] == "done" and events[3]["data"]["id"] == room["id"]
    assert [e["seq"] for e in events] == list(range(events[0]["seq"], events[0]["seq"] + 4))
    await b.close()
