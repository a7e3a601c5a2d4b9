"""Security of the HTTP layer: login throttling, the session cookie and CSRF, token lifetime,
and no password hash in any answer.

Per-address throttling needs a second client address. aiohttp's test client always connects
from 127.0.0.1, so a second session binds its side of the connection to 127.0.0.2 (all of
127.0.0.0/8 is loopback on Linux): the server then sees a genuinely different peer address,
with no header the hub would have to trust.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from argon2 import Parameters, PasswordHasher, extract_parameters
from sqlalchemy import update

from hub.appkeys import DATABASE, SETTINGS
from hub.db.models import AuthSession, User
from hub.db.types import utcnow
from tests.conftest import DEFAULT_PASSWORD, Api, UserFactory
from tests.test_openapi import refs_in

LOGIN = "/api/v1/auth/login"
OTHER_ADDRESS = "127.0.0.2"


class OtherAddress:
    """Requests to the test server from 127.0.0.2."""

    def __init__(self, api: Api, session: aiohttp.ClientSession) -> None:
        self.api = api
        self.session = session

    async def login(self, username: str, password: str) -> tuple[int, Any, str | None]:
        async with self.session.post(
            self.api.client.make_url(LOGIN), json={"username": username, "password": password}
        ) as response:
            body = await response.json()
            return response.status, body, response.headers.get("Retry-After")


@pytest.fixture
async def other_address(anonymous: Api) -> AsyncIterator[OtherAddress]:
    connector = aiohttp.TCPConnector(local_addr=(OTHER_ADDRESS, 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        yield OtherAddress(anonymous, session)


async def login(api: Api, username: str, password: str) -> tuple[int, Any, str | None]:
    async with api.client.post(
        LOGIN, json={"username": username, "password": password}
    ) as response:
        return response.status, await response.json(), response.headers.get("Retry-After")


def failures_allowed(api: Api) -> int:
    return api.client.app[SETTINGS].login_failures_per_minute


def assert_rate_limited(status: int, body: Any, retry_after: str | None) -> None:
    assert status == 429, body
    assert body["error"]["code"] == "rate_limited"
    assert retry_after is not None and 1 <= int(retry_after) <= 60


async def test_failed_logins_lock_the_account_even_for_the_right_password(
    make_user: UserFactory, anonymous: Api, other_address: OtherAddress
) -> None:
    await make_user("alice")
    await make_user("bob")
    for _ in range(failures_allowed(anonymous)):
        status, body, _ = await login(anonymous, "alice", "wrong password")
        assert status == 401, body
    assert_rate_limited(*await login(anonymous, "alice", DEFAULT_PASSWORD))
    assert_rate_limited(*await login(anonymous, "ALICE", DEFAULT_PASSWORD))
    # The account is locked from every address; another account elsewhere is not.
    assert_rate_limited(*await other_address.login("alice", DEFAULT_PASSWORD))
    status, body, _ = await other_address.login("bob", DEFAULT_PASSWORD)
    assert status == 200, body


async def test_failed_logins_from_one_address_lock_that_address_only(
    make_user: UserFactory, anonymous: Api, other_address: OtherAddress
) -> None:
    await make_user("carol")
    for n in range(failures_allowed(anonymous)):
        status, body, _ = await other_address.login(f"guess{n}", "wrong password")
        assert status == 401, body
    assert_rate_limited(*await other_address.login("carol", DEFAULT_PASSWORD))
    status, body, _ = await login(anonymous, "carol", DEFAULT_PASSWORD)
    assert status == 200, body


async def login_via_proxy(api: Api, client_address: str, username: str, password: str) -> int:
    """A login relayed by a proxy that appends the address it saw (after a spoofed one)."""
    async with api.client.post(
        LOGIN,
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": f"203.0.113.9, {client_address}"},
    ) as response:
        return response.status


@pytest.mark.settings(trusted_proxies=["127.0.0.1"])
async def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled(
    make_user: UserFactory, anonymous: Api
) -> None:
    """The test client connects from 127.0.0.1, named a trusted proxy here, as nginx would."""
    await make_user("carol")
    for n in range(failures_allowed(anonymous)):
        assert (
            await login_via_proxy(anonymous, "198.51.100.7", f"guess{n}", "wrong password") == 401
        )
    assert await login_via_proxy(anonymous, "198.51.100.7", "carol", DEFAULT_PASSWORD) == 429
    assert await login_via_proxy(anonymous, "198.51.100.8", "carol", DEFAULT_PASSWORD) == 200


async def test_no_proxy_is_trusted_by_default(make_user: UserFactory, anonymous: Api) -> None:
    """Not even one on the hub's own host: a client on 127.0.0.1 that sends X-Forwarded-For
    with a new address each time is still throttled as 127.0.0.1."""
    assert anonymous.client.app[SETTINGS].trusted_proxies == []
    await make_user("carol")
    for n in range(failures_allowed(anonymous)):
        assert await login_via_proxy(anonymous, f"198.51.100.{n}", f"guess{n}", "wrong") == 401
    assert await login_via_proxy(anonymous, "198.51.100.250", "carol", DEFAULT_PASSWORD) == 429


class Argon2Calls:
    """The argon2 work the hub does: the hash each verify checked against, and hashes made."""

    def __init__(self) -> None:
        self.verified: list[str] = []
        self.hashed = 0

    def clear(self) -> None:
        self.verified.clear()
        self.hashed = 0


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> Argon2Calls:
    calls = Argon2Calls()
    verify, hash_ = PasswordHasher.verify, PasswordHasher.hash

    def counted_verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
        calls.verified.append(password_hash)
        return verify(hasher, password_hash, password)

    def counted_hash(hasher: PasswordHasher, password: str, **kwargs: Any) -> str:
        calls.hashed += 1
        return hash_(hasher, password, **kwargs)

    monkeypatch.setattr(PasswordHasher, "verify", counted_verify)
    monkeypatch.setattr(PasswordHasher, "hash", counted_hash)
    return calls


async def test_a_failed_login_costs_one_verify_whether_or_not_the_account_exists(
    make_user: UserFactory, anonymous: Api, argon2_calls: Argon2Calls
) -> None:
    """Timing must not tell which usernames exist: an unknown or inactive account is checked
    against a hash made once, with the same argon2 parameters as the stored ones."""
    await make_user("alice")
    await make_user("bob")
    async with anonymous.client.app[DATABASE].write() as session:
        await session.execute(update(User).where(User.username == "bob").values(is_active=False))
    stored = extract_parameters(argon2_calls.verified[-1])  # bob's own login, just now
    argon2_calls.clear()

    attempts = [
        ("alice", "wrong password"),  # the account exists
        ("nobody", "wrong password"),
        ("NoBody-Else", "wrong password"),
        ("bob", DEFAULT_PASSWORD),  # inactive: refused even with the right password
    ]
    checked: list[Parameters] = []
    for username, password in attempts:
        before = len(argon2_calls.verified)
        status, body, _ = await login(anonymous, username, password)
        assert status == 401 and body["error"]["code"] == "unauthenticated", username
        assert len(argon2_calls.verified) == before + 1, f"{username}: one verify, not none"
        checked.append(extract_parameters(argon2_calls.verified[-1]))
    assert checked == [stored] * len(attempts)
    assert argon2_calls.hashed <= 1  # the unknown accounts' hash, made once
    assert argon2_calls.verified[1] == argon2_calls.verified[2] == argon2_calls.verified[3]


async def test_session_cookie_is_httponly_lax_and_not_secure_over_http(
    make_user: UserFactory, anonymous: Api
) -> None:
    await make_user("alice")
    async with anonymous.client.post(
        LOGIN, json={"username": "alice", "password": DEFAULT_PASSWORD}
    ) as response:
        cookie = response.cookies["taskflow_session"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert not cookie["secure"]


@pytest.mark.settings(public_url="https://hub.example.com")
async def test_session_cookie_is_secure_when_served_over_https(
    make_user: UserFactory, anonymous: Api
) -> None:
    await make_user("alice")
    async with anonymous.client.post(
        LOGIN, json={"username": "alice", "password": DEFAULT_PASSWORD}
    ) as response:
        set_cookie = response.headers["Set-Cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in set_cookie.split(";")}
    assert {"secure", "httponly", "samesite"} <= attributes


async def cookie_login(api: Api, username: str) -> str:
    """Log in through the test client's cookie jar, as the dashboard does; the CSRF token."""
    async with api.client.post(
        LOGIN, json={"username": username, "password": DEFAULT_PASSWORD}
    ) as response:
        assert response.status == 200
        token: str = (await response.json())["csrf_token"]
        return token


async def patch_me_with_cookie(api: Api, headers: dict[str, str]) -> tuple[int, Any]:
    async with api.client.patch(
        "/api/v1/me", json={"display_name": "Changed"}, headers=headers
    ) as response:
        return response.status, await response.json()


async def test_cookie_writes_need_the_csrf_token_and_an_allowed_origin(
    make_user: UserFactory, anonymous: Api
) -> None:
    await make_user("alice")
    csrf = await cookie_login(anonymous, "alice")
    own_origin = anonymous.client.app[SETTINGS].allowed_origins[0]

    refused: list[dict[str, str]] = [
        {},
        {"X-CSRF-Token": "0" * len(csrf)},
        {"X-CSRF-Token": csrf, "Origin": "https://evil.example"},
        {"X-CSRF-Token": csrf, "Origin": "null"},
        {"X-CSRF-Token": csrf, "Origin": f"{own_origin}.evil.example"},
        {"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"},
    ]
    for headers in refused:
        status, body = await patch_me_with_cookie(anonymous, headers)
        assert status == 403, (headers, body)
        assert body["error"]["code"] == "forbidden"
    status, body = await anonymous.get("/api/v1/me")
    assert status == 200 and body["display_name"] == "Alice"  # nothing changed; reads need no token

    for headers in ({"X-CSRF-Token": csrf}, {"X-CSRF-Token": csrf, "Origin": own_origin}):
        status, body = await patch_me_with_cookie(anonymous, headers)
        assert status == 200, (headers, body)
        assert body["display_name"] == "Changed"


async def test_bearer_requests_need_no_csrf_token(make_user: UserFactory) -> None:
    alice = await make_user("alice")
    status, body = await alice.patch("/api/v1/me", {"display_name": "By Token"})
    assert status == 200, body
    assert body["display_name"] == "By Token"


async def test_expired_token_is_unauthenticated(make_user: UserFactory) -> None:
    alice = await make_user("alice")
    assert (await alice.get("/api/v1/me"))[0] == 200
    async with alice.client.app[DATABASE].write() as session:
        await session.execute(
            update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    status, body = await alice.get("/api/v1/me")
    assert status == 401 and body["error"]["code"] == "unauthenticated"


async def test_logout_revokes_that_session_only(make_user: UserFactory, anonymous: Api) -> None:
    alice = await make_user("alice")
    csrf = await cookie_login(anonymous, "alice")
    cookie = anonymous.client.session.cookie_jar.filter_cookies(anonymous.client.make_url("/"))
    session_cookie = {"Cookie": f"taskflow_session={cookie['taskflow_session'].value}"}
    async with anonymous.client.post(
        "/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}
    ) as response:
        assert response.status == 204
        assert response.cookies["taskflow_session"].value == ""  # the browser drops it
    anonymous.client.session.cookie_jar.clear()
    async with anonymous.client.get("/api/v1/me", headers=session_cookie) as response:
        assert response.status == 401  # the old cookie, sent again, is dead
    assert (await alice.get("/api/v1/me"))[0] == 200  # her bearer session is another one
    assert (await alice.post("/api/v1/auth/logout"))[0] == 204
    status, body = await alice.get("/api/v1/me")
    assert status == 401 and body["error"]["code"] == "unauthenticated"


async def test_no_answer_carries_a_password_or_its_hash(
    admin: Api, make_user: UserFactory, anonymous: Api
) -> None:
    alice = await make_user("alice")
    answers = [
        await anonymous.post(LOGIN, {"username": "alice", "password": DEFAULT_PASSWORD}),
        await alice.get("/api/v1/me"),
        await alice.patch(
            "/api/v1/me", {"password": "new password!", "current_password": DEFAULT_PASSWORD}
        ),
        await admin.post("/api/v1/users", {"username": "bob", "password": "bob-password"}),
    ]
    for status, body in answers:
        assert status in (200, 201), body
        text = str(body)
        for secret in ("$argon2", "password", DEFAULT_PASSWORD, "new password!", "bob-password"):
            assert secret not in text, (secret, body)


async def test_no_response_schema_has_a_password_field(anonymous: Api) -> None:
    """Every schema reachable from any documented response, for routes present and future."""
    _, document = await anonymous.get("/api/openapi.json")
    schemas = document["components"]["schemas"]
    pending = [
        ref
        for item in document["paths"].values()
        for operation in item.values()
        for ref in refs_in(operation["responses"])
    ]
    seen: set[str] = set()
    while pending:
        name = pending.pop().rsplit("/", 1)[-1]
        if name in seen:
            continue
        seen.add(name)
        for field in schemas[name].get("properties", {}):
            assert "password" not in field.lower(), (name, field)
        pending += refs_in(schemas[name])
    assert "MeOut" in seen
