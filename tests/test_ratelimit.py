"""Per-person send limits: bytes of body a minute, exact over a sliding minute, with the wait
until a refused body would fit; next to the message limit, and for edits too; bridges are
not limited. Refusals are 429 with Retry-After over HTTP, `rate_limited` over WebSocket."""

from __future__ import annotations

import pytest

from hub.appkeys import POSTING
from hub.errors import RateLimited
from hub.ratelimit import ByteWindow, SendThrottle
from hub.services.messages import ROOM_MESSAGES
from hub.settings import SettingsError, load_settings
from tests.conftest import Api, UserFactory
from tests.realtime import connect, make_team
from tests.test_posting import CAROL_ON_SLACK, slack


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def refusal(window: ByteWindow, size: int) -> RateLimited | None:
    try:
        window.check(1, size)
    except RateLimited as exc:
        return exc
    window.add(1, size)
    return None


def test_bytes_are_counted_over_a_sliding_minute() -> None:
    clock = Clock()
    window = ByteWindow(1000, clock)
    assert refusal(window, 600) is None
    clock.now += 20
    assert refusal(window, 400) is None  # 1000 in the minute: the limit, not over it
    clock.now += 10
    refused = refusal(window, 1)
    assert refused is not None and refused.retry_after_s == 30  # when the 600 leave
    clock.now += 30
    assert refusal(window, 600) is None
    refused = refusal(window, 401)
    assert refused is not None and refused.retry_after_s == 60  # the 400 are not enough
    refused = refusal(window, 400)
    assert refused is not None and refused.retry_after_s == 20  # when the 400 leave


def test_each_person_has_a_window_of_their_own() -> None:
    window = ByteWindow(100, Clock())
    window.add(1, 100)
    window.check(2, 100)
    with pytest.raises(RateLimited):
        window.check(1, 1)


async def test_a_send_refused_for_its_bytes_does_not_count_as_a_send() -> None:
    throttle = SendThrottle(per_minute=2, bytes_per_minute=100)
    await throttle.take(7, 90)
    with pytest.raises(RateLimited, match="too much text"):
        await throttle.take(7, 20)
    await throttle.take(7, 10)  # the second send of the minute, and its 100th byte
    with pytest.raises(RateLimited, match="too fast"):
        await throttle.take(7, 0)


def test_edits_count_bytes_only() -> None:
    throttle = SendThrottle(per_minute=1, bytes_per_minute=100)
    for _ in range(4):
        throttle.take_bytes(7, 25)
    with pytest.raises(RateLimited):
        throttle.take_bytes(7, 1)


def test_the_byte_limit_is_off_or_fits_the_largest_body() -> None:
    assert load_settings(send_bytes_per_minute=0, _env_file=None).send_bytes_per_minute == 0
    with pytest.raises(SettingsError, match="send_bytes_per_minute must be 0"):
        load_settings(send_bytes_per_minute=1000, max_message_bytes=2000, _env_file=None)


@pytest.mark.settings(send_bytes_per_minute=16384, send_rate_per_minute=0)
async def test_over_the_byte_limit_posts_and_edits_are_refused(make_user: UserFactory) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    team = await make_team(alice, bob)
    half = "x" * 8192
    status, first = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": half})
    assert status == 201, first
    status, body = await alice.patch(f"/api/v1/messages/{first['id']}", {"body": half})
    assert status == 200, body
    await assert_refused(alice, f"/api/v1/rooms/{team.room}/messages", "POST")
    await assert_refused(alice, f"/api/v1/messages/{first['id']}", "PATCH")
    socket = await connect(alice)
    await socket.send(type="message.send", room=team.room, body="one more", client_id="late")
    error = await socket.receive_until("error")
    assert error["code"] == "rate_limited" and error["client_id"] == "late"
    await socket.close()
    status, body = await bob.post(f"/api/v1/rooms/{team.room}/messages", {"body": half})
    assert status == 201, body  # bob's minute is his own


async def assert_refused(api: Api, path: str, method: str) -> None:
    async with api.client.request(
        method, path, json={"body": "more"}, headers=api.headers()
    ) as response:
        assert response.status == 429
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        assert (await response.json())["error"]["code"] == "rate_limited"


@pytest.mark.settings(send_bytes_per_minute=16384)
async def test_a_bridge_s_posts_and_edits_are_not_limited(make_user: UserFactory) -> None:
    alice = await make_user("alice")
    team = await make_team(alice)
    posting = alice.client.app[POSTING]
    for n in range(3):
        body = f"{n}" + "x" * 16000
        posted = await posting.submit(
            ROOM_MESSAGES, team.room, body, actor=CAROL_ON_SLACK, origin=slack(f"{n}")
        )
        await posting.edit(
            ROOM_MESSAGES, posted.post["id"], body + "!", actor=CAROL_ON_SLACK, origin=slack(f"{n}")
        )
