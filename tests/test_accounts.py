"""Login, logout, /me and admin user creation through the HTTP API."""

from __future__ import annotations

import pytest

from hub.app import create_app
from hub.appkeys import PASSWORDS
from hub.settings import Settings
from tests.conftest import DEFAULT_PASSWORD, Api, UserFactory


async def test_login_returns_token_user_and_cookie(make_user: UserFactory, anonymous: Api) -> None:
    await make_user("alice")
    async with anonymous.client.post(
        "/api/v1/auth/login", json={"username": "ALICE", "password": DEFAULT_PASSWORD}
    ) as response:
        body = await response.json()
        assert response.status == 200
        assert body["user"]["username"] == "alice"
        assert body["token"]
        cookie = response.cookies["taskflow_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Lax"


async def test_me_requires_login(anonymous: Api) -> None:
    status, body = await anonymous.get("/api/v1/me")
    assert status == 401
    assert body["error"]["code"] == "unauthenticated"


async def test_admin_creates_user_who_can_log_in(admin: Api, anonymous: Api) -> None:
    status, body = await admin.post(
        "/api/v1/users", {"username": "bob", "password": "bob-password", "display_name": "Bob B"}
    )
    assert status == 201, body
    assert body["display_name"] == "Bob B"
    status, body = await anonymous.post(
        "/api/v1/auth/login", {"username": "bob", "password": "bob-password"}
    )
    assert status == 200


async def test_logout_revokes_token(make_user: UserFactory) -> None:
    alice = await make_user("alice")
    assert (await alice.post("/api/v1/auth/logout"))[0] == 204
    assert (await alice.get("/api/v1/me"))[0] == 401


@pytest.mark.settings(password_hash_time_cost=2, password_hash_memory_kib=2048)
async def test_new_password_hashes_take_their_cost_from_the_settings(settings: Settings) -> None:
    assert "$m=2048,t=2," in await create_app(settings)[PASSWORDS].hash("a long enough password")


async def test_a_new_password_needs_the_right_current_password(make_user: UserFactory) -> None:
    """400 `invalid` naming current_password, a wrong field like any other (it was 403)."""
    alice = await make_user("alice")
    new = "a much better passphrase"
    for sent in ({}, {"current_password": "guess"}, {"current_password": ""}):
        status, body = await alice.patch("/api/v1/me", {"password": new, **sent})
        assert status == 400, (sent, body)
        assert body["error"]["code"] == "invalid" and body["error"]["field"] == "current_password"
    status, body = await alice.patch(
        "/api/v1/me", {"password": new, "current_password": DEFAULT_PASSWORD}
    )
    assert status == 200, body


async def test_a_time_zone_is_null_until_chosen_and_null_clears_it(make_user: UserFactory) -> None:
    """A zone never chosen is not UTC: null, so that pages use the browser's zone."""
    alice = await make_user("alice")
    status, me = await alice.get("/api/v1/me")
    assert status == 200 and me["time_zone"] is None
    status, me = await alice.patch("/api/v1/me", {"time_zone": "America/New_York"})
    assert status == 200 and me["time_zone"] == "America/New_York"
    status, me = await alice.patch("/api/v1/me", {"display_name": "Al"})
    assert status == 200 and me["time_zone"] == "America/New_York"  # left out: kept
    status, body = await alice.patch("/api/v1/me", {"time_zone": "Mars/Olympus"})
    assert status == 400 and body["error"]["field"] == "time_zone"
    status, me = await alice.patch("/api/v1/me", {"time_zone": None})
    assert status == 200 and me["time_zone"] is None
    assert (await alice.get("/api/v1/me"))[1]["time_zone"] is None
