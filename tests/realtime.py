"""Helpers for WebSocket tests: a small JSON client and a board/room/task set up over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientWebSocketResponse, WSMsgType

from tests.conftest import Api

RECEIVE_TIMEOUT_S = 5.0


@dataclass
class Socket:
    ws: ClientWebSocketResponse

    async def send(self, **frame: Any) -> None:
        await self.ws.send_json(frame)

    async def receive(self, timeout: float = RECEIVE_TIMEOUT_S) -> dict[str, Any]:
        message = await self.ws.receive(timeout=timeout)
        assert message.type == WSMsgType.TEXT, (
            f"expected a text frame, got {message.type}: {message.data!r}"
        )
        frame: dict[str, Any] = message.json()
        return frame

    async def receive_until(
        self, wanted: str, timeout: float = RECEIVE_TIMEOUT_S, **match: Any
    ) -> dict[str, Any]:
        """Skip frames until one of type `wanted` (and the given fields) arrives."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.receive(timeout)
                if frame.get("type") == wanted and all(frame.get(k) == v for k, v in match.items()):
                    return frame

    async def events(
        self, stream: str, count: int, timeout: float = RECEIVE_TIMEOUT_S
    ) -> list[dict[str, Any]]:
        """The next `count` durable events on `stream`, skipping other frames."""
        found: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout):
            while len(found) < count:
                frame = await self.receive(timeout)
                if frame.get("type") == "event" and frame.get("stream") == stream:
                    found.append(frame)
        return found

    async def quiet(self, seconds: float = 0.3) -> list[dict[str, Any]]:
        """Every frame that arrives within `seconds` (to check that nothing unexpected came)."""
        frames: list[dict[str, Any]] = []
        try:
            async with asyncio.timeout(seconds):
                while True:
                    frames.append(await self.receive(seconds))
        except TimeoutError:
            return frames

    async def subscribe(self, stream: str, since: int | None = None) -> dict[str, Any]:
        frame: dict[str, Any] = {"type": "subscribe", "stream": stream}
        if since is not None:
            frame["since"] = since
        await self.ws.send_json(frame)
        return await self.receive_until("subscribed", stream=stream)

    async def send_message(self, room: int, body: str) -> dict[str, Any]:
        client_id = str(uuid.uuid4())
        await self.send(type="message.send", room=room, body=body, client_id=client_id)
        return await self.receive_until("ack", client_id=client_id)

    async def until_closed(
        self, timeout: float = RECEIVE_TIMEOUT_S
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The frames that come until the hub closes the socket, and its close reason (the
        close code is then `ws.close_code`)."""
        frames: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout):
            while (message := await self.ws.receive()).type in (WSMsgType.TEXT, WSMsgType.PONG):
                if message.type == WSMsgType.TEXT:
                    frames.append(message.json())
        assert message.type == WSMsgType.CLOSE, f"expected a close, got {message}"
        return frames, message.extra

    async def close(self) -> None:
        await self.ws.close()


async def connect(api: Api, **headers: str) -> Socket:
    ws = await api.client.ws_connect("/ws", headers={**api.headers(), **headers})
    socket = Socket(ws)
    await socket.receive_until("subscribed")  # the user's own stream, subscribed automatically
    return socket


@dataclass
class Team:
    board: int
    room: int
    task: int


async def make_team(owner: Api, *members: Api, room_members: list[Api] | None = None) -> Team:
    """A board owned by `owner` with `members`, a room of `room_members` (default: all), a task."""
    status, board = await owner.post("/api/v1/boards", {"name": "Launch"})
    assert status == 201, board
    for member in members:
        status, body = await owner.post(
            f"/api/v1/boards/{board['id']}/members", {"username": member.username}
        )
        assert status == 201, body
    in_room = members if room_members is None else room_members
    status, room = await owner.post(
        f"/api/v1/boards/{board['id']}/rooms",
        {"name": "general", "members": [member.username for member in in_room]},
    )
    assert status == 201, room
    status, task = await owner.post(f"/api/v1/boards/{board['id']}/tasks", {"title": "Ship it"})
    assert status == 201, task
    return Team(board["id"], room["id"], task["id"])
