"""Access taken away from open sockets (issue 12): a logout or an expired session closes that
session's sockets (4001), in every process, even when the broker loses the announcement; a
revoked stream stops reaching the user's sockets. "Processes" here are two hub apps on one
database, joined by a shared fake broker (tests.brokers), as Redis will join processes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

import hub.app
from hub.app import create_app
from hub.appkeys import BROKER, DATABASE, PASSWORDS, SETTINGS
from hub.auth.sessions import token_hash
from hub.db.models import AuthSession, User
from hub.db.types import utcnow
from hub.events import user_stream
from hub.frames import presence_frame, typing_frame
from hub.realtime import handlers
from hub.realtime.connection import SESSION_ENDED_CLOSE
from hub.revocation import (
    SessionEnded,
    StreamsRevoked,
    read_revocation,
    revocation_message,
    revoke_streams,
)
from hub.services.users import create_user
from hub.settings import Settings
from tests.brokers import Bus
from tests.conftest import DEFAULT_PASSWORD, Api, UserFactory, reset_schema
from tests.realtime import Socket, connect, make_team
from tests.test_webui import browser_login, get_page, page_csrf

Client = TestClient[Any, Any]
QUIET_S = 0.5


@dataclass
class Hubs:
    bus: Bus
    a: Client
    b: Client

    async def login(self, username: str, *, create: bool = True) -> Api:
        """A new login session of `username` (created first unless `create` is False),
        made on hub a; its token is good on both hubs."""
        if create:
            async with self.a.app[DATABASE].write() as session:
                await create_user(
                    session,
                    self.a.app[PASSWORDS],
                    username,
                    DEFAULT_PASSWORD,
                    display_name=username,
                )
        status, body = await Api(self.a).post(
            "/api/v1/auth/login", {"username": username, "password": DEFAULT_PASSWORD}
        )
        assert status == 200, body
        self.a.session.cookie_jar.clear()
        return Api(self.a, token=body["token"], username=username)


@pytest.fixture
async def hubs(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[Client]],
    monkeypatch: pytest.MonkeyPatch,
) -> Hubs:
    bus = Bus()
    monkeypatch.setattr(hub.app, "InProcessBroker", bus.broker)
    await reset_schema(settings.database_url)
    a = await aiohttp_client(create_app(settings))
    b = await aiohttp_client(create_app(settings))
    return Hubs(bus, a, b)


def on(client: Client, api: Api) -> Api:
    """The same login, speaking to another hub."""
    return Api(client, token=api.token, username=api.username)


async def closed_by_hub(socket: Socket, within_s: float = 5.0) -> tuple[int | None, float]:
    """The close code the hub ended `socket` with, and how long that took."""
    started = time.monotonic()
    await socket.until_closed(within_s)
    return socket.ws.close_code, time.monotonic() - started


async def still_served(socket: Socket) -> bool:
    await socket.send(type="ping")
    return (await socket.receive_until("pong"))["type"] == "pong"


async def set_session(client: Client, api: Api, **values: Any) -> None:
    assert api.token is not None
    async with client.app[DATABASE].write() as session:
        await session.execute(
            update(AuthSession)
            .where(AuthSession.token_hash == token_hash(api.token))
            .values(**values)
        )


def revocations(message: Any) -> bool:
    return read_revocation(message.frame) is not None


def test_revocations_travel_as_broker_messages_on_the_user_stream() -> None:
    for revocation in (SessionEnded(7), StreamsRevoked(("room:1", "board:2"))):
        message = revocation_message(3, revocation)
        assert message.stream == user_stream(3) and message.seq is None
        assert read_revocation(message.frame) == revocation
    for frame in (typing_frame("user:3", "alice"), presence_frame("room:1", ["alice"])):
        assert read_revocation(frame) is None


async def test_logout_closes_that_sessions_sockets_in_every_process(hubs: Hubs) -> None:
    alice = await hubs.login("alice")
    other_login = await hubs.login("alice", create=False)
    here, there = await connect(alice), await connect(on(hubs.b, alice))
    other = await connect(on(hubs.b, other_login))

    assert (await alice.post("/api/v1/auth/logout"))[0] == 204

    for socket in (here, there):
        code, seconds = await closed_by_hub(socket)
        assert code == SESSION_ENDED_CLOSE and seconds < 1
    assert await still_served(other)  # another login of the same user keeps its socket
    assert hubs.bus.dropped == []
    await other.close()


@pytest.mark.settings(ws_heartbeat_s=0.2, ws_session_check_s=0.2)
async def test_a_lost_logout_announcement_is_caught_by_the_session_check(hubs: Hubs) -> None:
    hubs.bus.drop = revocations
    alice, bob = await hubs.login("alice"), await hubs.login("bob")
    there, bobs = await connect(on(hubs.b, alice)), await connect(on(hubs.b, bob))

    assert (await alice.post("/api/v1/auth/logout"))[0] == 204

    (code, seconds), _ = await asyncio.gather(closed_by_hub(there), bobs.quiet(2.0))
    assert code == SESSION_ENDED_CLOSE and seconds < 2
    assert len(hubs.bus.dropped) == 1  # so the check, not the broker, closed it
    assert await still_served(bobs)
    await bobs.close()


@pytest.mark.settings(ws_heartbeat_s=0.2, ws_session_check_s=3600)
async def test_an_expired_session_closes_its_socket_without_a_query(
    client: Client, make_user: UserFactory
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await set_session(client, alice, expires_at=utcnow() + timedelta(seconds=1))
    a, b = await connect(alice), await connect(bob)
    # bob's client reads meanwhile, so that it answers the heartbeat's pings
    (code, seconds), _ = await asyncio.gather(closed_by_hub(a), b.quiet(2.0))
    assert code == SESSION_ENDED_CLOSE and 0.5 < seconds < 2
    assert await still_served(b)
    await b.close()


@pytest.mark.settings(ws_heartbeat_s=0.2, ws_session_check_s=0.2)
async def test_the_session_check_closes_sessions_expired_or_deactivated_in_storage(
    client: Client, make_user: UserFactory
) -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    a, b, c = await connect(alice), await connect(bob), await connect(carol)
    await set_session(client, alice, expires_at=utcnow() - timedelta(seconds=1))
    async with client.app[DATABASE].write() as session:
        await deactivate(session, "bob")
    *ends, _ = await asyncio.gather(closed_by_hub(a), closed_by_hub(b), c.quiet(2.0))
    for code, seconds in ends:
        assert code == SESSION_ENDED_CLOSE and seconds < 2
    assert await still_served(c)
    await c.close()


async def deactivate(session: AsyncSession, username: str) -> None:
    await session.execute(update(User).where(User.username == username).values(is_active=False))


async def test_logging_out_of_the_dashboard_closes_its_socket(
    client: Client, make_user: UserFactory
) -> None:
    await make_user("alice")
    await browser_login(client, "alice")
    _, page, _ = await get_page(client, "/")
    origin = client.app[SETTINGS].allowed_origins[0]
    socket = Socket(await client.ws_connect("/ws", headers={"Origin": origin}))
    await socket.receive_until("subscribed")
    async with client.post(
        "/logout", data={"csrf_token": page_csrf(page)}, allow_redirects=False
    ) as response:
        assert response.status == 303
    code, seconds = await closed_by_hub(socket)
    assert code == SESSION_ENDED_CLOSE and seconds < 1


async def test_a_socket_keeps_its_user_stream(make_user: UserFactory) -> None:
    alice = await make_user("alice")
    a = await connect(alice)
    await a.send(type="unsubscribe", stream=f"user:{(await alice.get('/api/v1/me'))[1]['id']}")
    assert (await a.receive_until("error"))["code"] == "invalid"
    assert (await alice.post("/api/v1/auth/logout"))[0] == 204
    assert (await closed_by_hub(a))[0] == SESSION_ENDED_CLOSE


async def test_a_revoked_stream_stops_reaching_the_users_sockets_everywhere(hubs: Hubs) -> None:
    alice, bob = await hubs.login("alice"), await hubs.login("bob")
    team = await make_team(alice, bob)
    room, board = f"room:{team.room}", f"board:{team.board}"
    a, b_here, b_there = await connect(alice), await connect(bob), await connect(on(hubs.b, bob))
    await a.subscribe(room)
    for socket in (b_here, b_there):
        await socket.subscribe(room)
        await socket.subscribe(board)
    _, me = await bob.get("/api/v1/me")

    await revoke_streams(hubs.a.app[BROKER], me["id"], [room])

    for socket in (b_here, b_there):
        assert await socket.receive_until("unsubscribed") == {
            "type": "unsubscribed",
            "stream": room,
        }
    assert (await a.send_message(team.room, "bob is gone"))["seq"] == 1
    await alice.post(f"/api/v1/boards/{team.board}/tasks", {"title": "still on the board"})
    for socket in (b_here, b_there):
        assert (await socket.events(board, 1))[0]["event"] == "task.created"
        assert [f for f in await socket.quiet(QUIET_S) if f.get("stream") == room] == []
    for socket in (a, b_here, b_there):
        await socket.close()


async def test_a_subscribe_that_straddles_a_revocation_is_undone(
    make_user: UserFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    team = await make_team(alice, bob)
    room = f"room:{team.room}"
    b = await connect(bob)
    checked, revoked = asyncio.Event(), asyncio.Event()
    authorize = handlers.authorize_stream

    async def slow_authorize(*args: Any) -> None:
        await authorize(*args)  # still a member here
        checked.set()
        await revoked.wait()

    monkeypatch.setattr(handlers, "authorize_stream", slow_authorize)
    await b.send(type="subscribe", stream=room)
    await checked.wait()
    _, me = await bob.get("/api/v1/me")
    await revoke_streams(alice.client.app[BROKER], me["id"], [room])
    revoked.set()

    assert (await b.receive_until("subscribed"))["stream"] == room
    assert await b.receive() == {"type": "unsubscribed", "stream": room}
    a = await connect(alice)
    await a.send_message(team.room, "not for bob")
    assert [f for f in await b.quiet(QUIET_S) if f.get("stream") == room] == []
    await a.close()
    await b.close()
