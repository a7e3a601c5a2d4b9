"""SIGKILL under load: a served hub killed while clients are posting loses no acknowledged
message, stores none twice, leaves no gap in the room's seqs, and takes every resend of a
message (acknowledged or not) as the message it already stored."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.served import Hub

SENDERS = 8
LOAD_S = 0.75  # posting before each kill
RESENDERS = 16
KILLS = 2
FAST_HUB = {
    "HUB_SEND_RATE_PER_MINUTE": "0",
    "HUB_PASSWORD_HASH_TIME_COST": "1",
    "HUB_PASSWORD_HASH_MEMORY_KIB": "1024",
    "HUB_REPLAY_MAX_EVENTS": "1000000",  # the check replays the whole room
}


@dataclass
class Load:
    """What the clients sent and what the hub acknowledged, by client id."""

    sent: list[str] = field(default_factory=list)
    acked: dict[str, tuple[int, int]] = field(default_factory=dict)  # client id → (id, seq)


async def post_until_killed(http: aiohttp.ClientSession, token: str, room: int, load: Load) -> None:
    """Send messages over one socket, each waiting for its ack, until the socket dies."""
    try:
        async with http.ws_connect("/ws", headers={"Authorization": f"Bearer {token}"}) as ws:
            while True:
                client_id = str(uuid.uuid4())
                load.sent.append(client_id)
                frame = {"type": "message.send", "room": room, "body": "x", "client_id": client_id}
                await ws.send_json(frame)
                while True:
                    message = await ws.receive()
                    if message.type != aiohttp.WSMsgType.TEXT:
                        return  # closed by the kill
                    answer = message.json()
                    if answer.get("type") == "ack" and answer["client_id"] == client_id:
                        load.acked[client_id] = (answer["id"], answer["seq"])
                        break
    except (aiohttp.ClientError, ConnectionError):
        return


async def call(http: aiohttp.ClientSession, token: str, method: str, path: str, **kw: Any) -> Any:
    async with http.request(
        method, path, headers={"Authorization": f"Bearer {token}"}, **kw
    ) as response:
        assert response.status in (200, 201), f"{method} {path}: {await response.text()}"
        return await response.json()


async def first_admin_token(http: aiohttp.ClientSession, hub: Hub) -> str:
    """Log in as the first admin whose password a fresh hub printed when it started."""
    password = re.search(r"password: (\S+)", "\n".join(hub.output))
    assert password is not None
    login = {"username": "admin", "password": password[1]}
    async with http.post("/api/v1/auth/login", json=login) as response:
        return str((await response.json())["token"])


async def test_acked_messages_survive_sigkill_once_each_without_gaps(
    environment: dict[str, str], tmp_path: Path
) -> None:
    environment |= FAST_HUB
    base = f"http://127.0.0.1:{environment['HUB_PORT']}"
    hub = Hub(tmp_path, environment)
    load = Load()
    try:
        await hub.start()
        async with aiohttp.ClientSession(base) as http:
            token = await first_admin_token(http, hub)
            board = await call(http, token, "POST", "/api/v1/boards", json={"name": "Load"})
            room = (
                await call(
                    http, token, "POST", f"/api/v1/boards/{board['id']}/rooms", json={"name": "r"}
                )
            )["id"]
            for _ in range(KILLS):
                senders = [
                    asyncio.create_task(post_until_killed(http, token, room, load))
                    for _ in range(SENDERS)
                ]
                await asyncio.sleep(LOAD_S)
                await hub.kill()  # SIGKILL, with messages in flight
                await asyncio.gather(*senders)
                hub.output.clear()
                await hub.start()

            # Every message sent, acknowledged or not, sent again: each is stored once.
            stored: dict[str, int] = {}
            for client_id in load.sent:
                body = {"body": "x", "client_id": client_id}
                resent = await call(
                    http, token, "POST", f"/api/v1/rooms/{room}/messages", json=body
                )
                stored[client_id] = resent["id"]
            history: list[dict[str, Any]] = []
            after = 0
            while True:
                page = await call(
                    http, token, "GET", f"/api/v1/rooms/{room}/messages?after={after}&limit=200"
                )
                history += page["items"]
                if page["next"] is None:
                    break
                after = page["next"]
            async with http.ws_connect("/ws", headers={"Authorization": f"Bearer {token}"}) as ws:
                stream = f"room:{room}"
                await ws.send_json({"type": "subscribe", "stream": stream, "since": 0})
                replayed = []
                while (frame := await ws.receive_json(timeout=10)).get("stream") != stream or (
                    frame["type"] != "subscribed"
                ):
                    if frame["type"] == "event" and frame["stream"] == stream:
                        replayed.append(frame["seq"])
        await hub.stop()
    finally:
        await hub.kill()

    assert len(load.acked) > SENDERS * KILLS  # the load really ran
    assert len(load.sent) > len(load.acked)  # and some sends were cut off by the kills
    ids = [message["id"] for message in history]
    assert len(ids) == len(set(ids)) == len(load.sent)  # none lost, none doubled
    assert {client_id: stored[client_id] for client_id in load.acked} == {
        client_id: post_id for client_id, (post_id, _seq) in load.acked.items()
    }  # an acknowledged message is the one stored
    assert set(stored.values()) == set(ids)
    assert sorted(message["seq"] for message in history) == list(range(1, len(ids) + 1))
    assert replayed == list(range(1, len(ids) + 1))  # the event log has every seq once
    assert "Traceback" not in hub.log.read_text()
