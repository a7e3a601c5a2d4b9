"""The fake Slack speaks the real protocol: the unmodified slack_sdk AsyncWebClient against its
Web API (shapes, errors, pagination, rate limits, faults). Bolt and Socket Mode / Events API
delivery are in test_fake_slack_events.py."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from tests.fake_slack import FakeSlack, clear_proxy_env


@pytest.fixture
async def slack(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSlack]:
    clear_proxy_env(monkeypatch)
    async with FakeSlack.running(ack_timeout_s=0.3) as fake:
        yield fake


def web_client(slack: FakeSlack, token: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(token=token or slack.bot_token, base_url=slack.api_url)


async def test_auth_test_names_the_bot_and_the_team(slack: FakeSlack) -> None:
    answer = await web_client(slack).auth_test()
    assert (answer["user_id"], answer["bot_id"], answer["team_id"]) == (
        slack.bot_user_id,
        slack.bot_id,
        slack.team_id,
    )
    assert slack.bot_token.startswith("xoxb-") and slack.app_token.startswith("xapp-")


async def test_post_with_metadata_comes_back_only_when_history_asks_for_it(
    slack: FakeSlack,
) -> None:
    channel = slack.add_channel("launch")
    client = web_client(slack)
    metadata = {"event_type": "taskflow_post", "event_payload": {"hub_id": "m-42"}}
    posted = await client.chat_postMessage(
        channel=channel,
        text="from the hub",
        metadata=metadata,
        username="Alice (hub)",
        icon_url="https://hub.test/a.png",
        unfurl_links=False,
    )
    assert posted["message"]["bot_id"] == slack.bot_id
    assert posted["message"]["subtype"] == "bot_message"
    assert posted["message"]["username"] == "Alice (hub)"

    plain = await client.conversations_history(channel=channel)
    assert "metadata" not in plain["messages"][0]
    full = await client.conversations_history(channel=channel, include_all_metadata=True)
    assert full["messages"][0]["metadata"] == metadata
    assert full["messages"][0]["ts"] == posted["ts"]
    stored = slack.messages(channel)[0]
    assert (stored.icon_url, stored.app_id, stored.unfurl_links) == (
        "https://hub.test/a.png",
        slack.app_id,
        False,
    )


async def test_history_pages_follow_next_cursor_newest_first(slack: FakeSlack) -> None:
    channel = slack.add_channel("launch")
    carol = slack.add_user("carol", real_name="Carol")
    posted = [await slack.user_posts(channel, carol, f"message {n}") for n in range(25)]
    assert posted == sorted(posted, key=float) and len(set(posted)) == 25

    first = await web_client(slack).conversations_history(channel=channel, limit=10)
    pages = [(page["messages"], page["has_more"]) async for page in first]  # one object, mutated
    assert [(len(messages), more) for messages, more in pages] == [
        (10, True),
        (10, True),
        (5, False),
    ]
    seen = [m["ts"] for messages, _ in pages for m in messages]
    assert seen == list(reversed(posted))


async def test_history_range_honours_oldest_latest_and_inclusive(slack: FakeSlack) -> None:
    channel = slack.add_channel("launch")
    carol = slack.add_user("carol")
    ts = [await slack.user_posts(channel, carol, f"m{n}") for n in range(5)]
    client = web_client(slack)
    between = await client.conversations_history(channel=channel, oldest=ts[1], latest=ts[3])
    assert [m["ts"] for m in between["messages"]] == [ts[2]]
    inclusive = await client.conversations_history(
        channel=channel, oldest=ts[1], latest=ts[3], inclusive=True
    )
    assert [m["ts"] for m in inclusive["messages"]] == [ts[3], ts[2], ts[1]]


async def test_threads_count_replies_and_list_parent_first(slack: FakeSlack) -> None:
    channel = slack.add_channel("launch")
    carol, dave = slack.add_user("carol"), slack.add_user("dave")
    parent = await slack.user_posts(channel, carol, "Task #7: launch")
    first = await slack.user_posts(channel, dave, "on it", thread_ts=parent)
    client = web_client(slack)
    bot_reply = await client.chat_postMessage(channel=channel, text="noted", thread_ts=parent)

    history = await client.conversations_history(channel=channel)
    assert [m["ts"] for m in history["messages"]] == [parent]  # replies stay in the thread
    assert history["messages"][0]["reply_count"] == 2
    assert history["messages"][0]["latest_reply"] == bot_reply["ts"]
    replies = await client.conversations_replies(channel=channel, ts=parent)
    assert [m["ts"] for m in replies["messages"]] == [parent, first, bot_reply["ts"]]
    assert replies["messages"][1]["thread_ts"] == parent
    assert replies["messages"][1]["parent_user_id"] == carol


async def test_bot_edits_and_deletes_its_own_posts_only(slack: FakeSlack) -> None:
    channel = slack.add_channel("launch")
    carol = slack.add_user("carol")
    client = web_client(slack)
    posted = await client.chat_postMessage(channel=channel, text="draft")
    updated = await client.chat_update(channel=channel, ts=posted["ts"], text="final")
    assert updated["text"] == "final" and updated["message"]["edited"]["user"] == slack.bot_user_id
    assert slack.messages(channel)[0].text == "final"

    theirs = await slack.user_posts(channel, carol, "mine")
    with pytest.raises(SlackApiError) as refused:
        await client.chat_update(channel=channel, ts=theirs, text="hijack")
    assert refused.value.response["error"] == "cant_update_message"

    await client.chat_delete(channel=channel, ts=posted["ts"])
    assert [m.ts for m in slack.messages(channel)] == [theirs]
    with pytest.raises(SlackApiError) as gone:
        await client.chat_delete(channel=channel, ts=posted["ts"])
    assert gone.value.response["error"] == "message_not_found"


@pytest.mark.parametrize(
    ("prepare", "text", "error"),
    [
        ("missing", "hi", "channel_not_found"),
        ("archive", "hi", "is_archived"),
        ("kick_bot", "hi", "not_in_channel"),
        ("none", "x" * 40_001, "msg_too_long"),
    ],
)
async def test_logical_errors_are_http_200_ok_false(
    slack: FakeSlack, prepare: str, text: str, error: str
) -> None:
    channel = slack.add_channel("launch")
    if prepare == "missing":
        channel = "C0NOSUCH"
    elif prepare != "none":
        getattr(slack, prepare)(channel)
    with pytest.raises(SlackApiError) as raised:
        await web_client(slack).chat_postMessage(channel=channel, text=text)
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == error
    assert slack.messages("launch") == []


async def test_tokens_are_checked(slack: FakeSlack) -> None:
    for token, error in [
        ("xoxb-forged", "invalid_auth"),
        (slack.app_token, "not_allowed_token_type"),
    ]:
        with pytest.raises(SlackApiError) as raised:
            await web_client(slack, token).auth_test()
        assert raised.value.response["error"] == error
    async with (
        aiohttp.ClientSession() as session,
        session.post(slack.api_url + "auth.test") as response,
    ):
        assert (await response.json())["error"] == "not_authed"
    slack.revoke_token()
    with pytest.raises(SlackApiError) as revoked:
        await web_client(slack).auth_test()
    assert revoked.value.response["error"] == "invalid_auth"


async def test_dms_users_and_ephemerals(slack: FakeSlack) -> None:
    carol = slack.add_user("carol", real_name="Carol")
    client = web_client(slack)
    opened = await client.conversations_open(users=carol)
    dm = opened["channel"]["id"]
    assert dm.startswith("D") and dm == slack.dm_channel(carol)
    info = await client.conversations_info(channel=dm)
    assert info["channel"]["is_im"] and info["channel"]["user"] == carol
    await client.chat_postMessage(channel=dm, text="you were mentioned")
    by_user_id = await client.chat_postMessage(channel=carol, text="a user id means the DM")
    assert by_user_id["channel"] == dm
    assert [m.text for m in slack.messages(dm)] == ["you were mentioned", "a user id means the DM"]

    user = await client.users_info(user=carol)
    assert user["user"]["real_name"] == "Carol" and user["user"]["profile"]["image_72"]
    names = [
        member["name"]
        async for page in await client.users_list(limit=1)
        for member in page["members"]
    ]
    assert names == ["taskflow", "carol"]

    channel = slack.add_channel("launch")
    await client.chat_postEphemeral(channel=channel, user=carol, text="only you")
    assert slack.ephemerals[-1]["user"] == carol and slack.ephemerals[-1]["text"] == "only you"


async def test_429_carries_integer_retry_after_and_the_handler_waits_it(slack: FakeSlack) -> None:
    channel, other = slack.add_channel("launch"), slack.add_channel("other")
    slack.rate_limit("chat.postMessage", per_channel_per_s=1.0)
    client = web_client(slack)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    await client.chat_postMessage(channel=channel, text="first")
    await client.chat_postMessage(channel=other, text="another channel is not limited")
    started = time.monotonic()
    await client.chat_postMessage(channel=channel, text="second")
    assert time.monotonic() - started >= 1.0
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [200, 200, 429, 200]
    assert [m.text for m in slack.messages(channel)] == ["first", "second"]
    assert slack.retry_after_violations == []


async def test_a_client_ignoring_retry_after_is_recorded(slack: FakeSlack) -> None:
    channel = slack.add_channel("launch")
    slack.rate_limit("chat.postMessage", per_channel_per_s=1.0)
    client = web_client(slack)  # no rate-limit handler: the 429 surfaces
    await client.chat_postMessage(channel=channel, text="first")
    with pytest.raises(SlackApiError) as limited:
        await client.chat_postMessage(channel=channel, text="too soon")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"
    assert limited.value.response["error"] == "ratelimited"
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel=channel, text="ignoring Retry-After")
    assert [v.channel for v in slack.retry_after_violations] == [channel]


async def test_fail_next_and_the_server_error_handler(slack: FakeSlack) -> None:
    channel = slack.add_channel("launch")
    slack.fail_next("chat.postMessage", status=500, times=1)
    client = web_client(slack)
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=1))
    await client.chat_postMessage(channel=channel, text="after one 500")
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [500, 200]
    slack.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel=channel, text="refused")
    assert raised.value.response["error"] == "channel_not_found"
    assert len(slack.messages(channel)) == 1


async def test_lost_answer_is_resent_by_the_default_handler_and_stored_twice(
    slack: FakeSlack,
) -> None:
    """The documented trap: slack_sdk's default AsyncConnectionErrorRetryHandler re-sends a
    chat.postMessage whose answer was lost after Slack applied it."""
    channel = slack.add_channel("launch")
    slack.lose_answer("chat.postMessage")
    answer = await web_client(slack).chat_postMessage(channel=channel, text="once, I hoped")
    assert [c.error for c in slack.calls_to("chat.postMessage")] == ["answer_lost", None]
    assert [m.text for m in slack.messages(channel)] == ["once, I hoped", "once, I hoped"]
    assert answer["ts"] == slack.messages(channel)[1].ts


async def test_slow_answer_times_out_after_the_post_was_applied(slack: FakeSlack) -> None:
    channel = slack.add_channel("launch")
    slack.slow("chat.postMessage", 1.0)
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url, timeout=0.2)
    with pytest.raises(TimeoutError):
        await client.chat_postMessage(channel=channel, text="late")
    assert [m.text for m in slack.messages(channel)] == ["late"]


async def test_down_answers_503_until_up(slack: FakeSlack) -> None:
    client = web_client(slack)
    slack.down()
    with pytest.raises(SlackApiError) as raised:
        await client.auth_test()
    assert raised.value.response.status_code == 503
    slack.up()
    assert (await client.auth_test())["ok"]


async def test_an_unknown_method_is_refused(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as raised:
        await web_client(slack).api_call("chat.scheduleMessage", json={"channel": "C1"})
    assert raised.value.response["error"] == "unknown_method"


async def test_a_client_pacing_at_the_limit_is_never_refused(slack: FakeSlack) -> None:
    channels = [slack.add_channel(f"room-{n}") for n in range(3)]
    slack.rate_limit("chat.postMessage", per_channel_per_s=4.0)
    client = web_client(slack)
    for round_ in range(3):
        for channel in channels:
            await client.chat_postMessage(channel=channel, text=f"round {round_}")
        await asyncio.sleep(0.25)
    assert {c.status for c in slack.calls_to("chat.postMessage")} == {200}
    assert all(len(slack.messages(channel)) == 3 for channel in channels)
