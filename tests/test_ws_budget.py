"""The per-socket frame budget (issue 12): a flooding socket is told and closed, whatever it
sends; a person's client never meets the budget."""

from __future__ import annotations

import pytest
from aiohttp import WSCloseCode

from hub.realtime.budget import FrameBudget
from hub.settings import Settings
from tests.conftest import UserFactory
from tests.realtime import connect, make_team

RATE = Settings.model_fields["ws_frames_per_second"].default
BURST = Settings.model_fields["ws_frame_burst"].default


def default_budget() -> FrameBudget:
    return FrameBudget(RATE, BURST, 0.0)


def test_a_burst_passes_then_the_rate_refills_it() -> None:
    budget = FrameBudget(10.0, 5, now=0.0)
    assert [budget.spend(0.0) for _ in range(6)] == [True] * 5 + [False]
    assert budget.spend(0.05) is False  # half a frame's worth of time
    assert budget.spend(0.1) is True
    assert [budget.spend(10.0) for _ in range(6)] == [True] * 5 + [False]  # never past the burst


def test_a_flood_is_stopped_within_the_burst() -> None:
    budget = default_budget()
    frames = [budget.spend(n / 20_000) for n in range(1000)]  # 20,000 frames a second
    assert frames.index(False) <= BURST + 1


def test_a_person_never_meets_the_default_budget() -> None:
    """Ten minutes of a busy person: typing every 2 s, three messages a second in bursts of
    ten, a ping every 25 s; and a reconnect every minute that resubscribes 100 streams and
    resends 20 unsent messages at once."""
    budget = default_budget()
    frames: list[float] = []
    for second in range(600):
        if second % 2 == 0:
            frames.append(second + 0.5)  # typing
        if second % 10 < 3:
            frames += [second + k / 10 for k in range(10)]  # ten quick messages
        if second % 25 == 0:
            frames.append(second + 0.9)  # ping
        if second % 60 == 59:
            frames += [second + 0.95] * 120  # a reconnect: subscribes and resends
    assert all(budget.spend(at) for at in sorted(frames))


@pytest.mark.settings(ws_frames_per_second=5, ws_frame_burst=10)
@pytest.mark.parametrize("junk", ["not json", '{"type": "ping"}', "ws-ping"])
async def test_a_socket_over_its_budget_is_told_and_closed_with_1008(
    make_user: UserFactory, junk: str
) -> None:
    a = await connect(await make_user("alice"))
    for _ in range(30):
        if junk == "ws-ping":
            await a.ws.ping()
        else:
            await a.ws.send_str(junk)
    frames, reason = await a.until_closed()
    assert frames[-1] == {**frames[-1], "type": "error", "code": "rate_limited"}
    assert len(frames) <= 11  # one answer per frame of the burst, then the refusal
    assert a.ws.close_code == WSCloseCode.POLICY_VIOLATION
    assert reason == "too many frames"


async def test_a_reconnect_burst_of_subscribes_and_sends_is_within_the_default(
    make_user: UserFactory,
) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    teams = [await make_team(alice, bob) for _ in range(3)]
    streams = [f"{kind}:{getattr(team, kind)}" for team in teams for kind in ("board", "room")]
    b = await connect(bob)
    for _ in range(15):  # 90 subscribes at once
        for stream in streams:
            await b.send(type="subscribe", stream=stream)
    for n in range(20):
        await b.send(type="message.send", room=teams[0].room, body=f"{n}", client_id=f"m{n}")
    await b.send(type="ping")
    seen = [frame["type"] for frame in await b.quiet(1.0)]
    assert seen.count("subscribed") == 90 and seen.count("ack") == 20 and "pong" in seen
    assert "error" not in seen and not b.ws.closed
    await b.close()


async def test_others_keep_their_socket_when_one_floods(make_user: UserFactory) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    team = await make_team(alice, bob)
    stream = f"room:{team.room}"
    flooder, a, b = await connect(alice), await connect(alice), await connect(bob)
    await a.subscribe(stream)
    await b.subscribe(stream)
    for _ in range(BURST + 50):
        await flooder.ws.send_str("junk")
    await flooder.until_closed()
    assert flooder.ws.close_code == WSCloseCode.POLICY_VIOLATION
    ack = await a.send_message(team.room, "still served")
    [event] = await b.events(stream, 1)
    assert event["data"]["id"] == ack["id"]
    await a.close()
    await b.close()


def test_budget_settings_are_checked() -> None:
    for bad in ({"ws_frames_per_second": 0}, {"ws_frame_burst": 0}):
        with pytest.raises(ValueError, match="greater than"):
            Settings(_env_file=None, **bad)  # type: ignore[call-arg, arg-type]
