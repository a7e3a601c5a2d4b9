"""Hub → Slack through the real hub app and the fake Slack: what Slack users see of room
messages (author, avatar, text, mentions, escaping), edits and deletes, task threads,
mention DMs, parked deliveries, and how Slack's errors are sorted."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bridges.protocol import RateLimited, RetryLater, Undeliverable
from bridges.slack.errors import outcome
from hub.appkeys import SETTINGS
from tests.conftest import Api, UserFactory
from tests.fake_slack import FakeSlack
from tests.realtime import Team
from tests.slack_outbound_hub import (
    app,
    deliveries,
    hub_ids,
    link_identity,
    linked,
    post,
    settled,
    slack,
    texts,
    until,
    until_async,
)

__all__ = ["app", "linked", "slack"]  # fixtures


async def test_a_room_message_shows_its_author_and_pings_only_linked_mentions(
    linked: tuple[Team, Api, str], slack: FakeSlack, admin: Api
) -> None:
    team, alice, channel = linked
    await link_identity(admin, "bob", bob := slack.add_user("bob"))
    message = await post(alice, team.room, "hi @bob and @alice <!channel> <@U1> & co")

    await until(lambda: len(slack.messages(channel)) == 1)
    (copy,) = slack.messages(channel)
    assert copy.text == f"hi <@{bob}> and @alice &lt;!channel&gt; &lt;@U1&gt; &amp; co"
    assert copy.username == "Alice"
    public_url = alice.client.app[SETTINGS].public_url
    assert copy.icon_url == f"{public_url}/avatars/alice.png"
    assert copy.metadata == {
        "event_type": "taskflow_post",
        "event_payload": {"hub_id": f"message:{message['id']}"},
    }
    (call,) = [c for c in slack.calls_to("chat.postMessage") if c.channel == channel]
    assert "link_names" not in call.params
    assert copy.unfurl_links is False and copy.unfurl_media is False


async def test_edits_and_deletes_reach_slack(
    linked: tuple[Team, Api, str], slack: FakeSlack
) -> None:
    team, alice, channel = linked
    first = await post(alice, team.room, "first")
    await post(alice, team.room, "second")
    await until(lambda: texts(slack, channel) == ["first", "second"])

    status, _ = await alice.patch(f"/api/v1/messages/{first['id']}", {"body": "first, *edited*"})
    assert status == 200
    await until(lambda: texts(slack, channel) == ["first, _edited_", "second"])
    status, _ = await alice.delete(f"/api/v1/messages/{first['id']}")
    assert status in (200, 204)
    await until(lambda: texts(slack, channel) == ["second"])


async def test_an_edit_of_a_message_never_posted_changes_nothing(
    linked: tuple[Team, Api, str], slack: FakeSlack, admin: Api
) -> None:
    team, alice, channel = linked
    status, links = await admin.get("/api/v1/admin/links")
    (link,) = links["items"]
    assert (await admin.delete(f"/api/v1/admin/links/{link['id']}"))[0] == 204
    message = await post(alice, team.room, "before the link")
    status, _ = await admin.post(
        "/api/v1/admin/links", {"room": team.room, "platform": "slack", "channel": channel}
    )
    assert status == 201
    await alice.patch(f"/api/v1/messages/{message['id']}", {"body": "edited"})
    await post(alice, team.room, "after")
    await until(lambda: texts(slack, channel) == ["after"])
    await settled(admin)
    assert slack.calls_to("chat.update") == []
    assert await deliveries(admin, "failed") == []


async def test_task_comments_go_in_one_thread_per_task(
    make_user: UserFactory, admin: Api, slack: FakeSlack, linked: tuple[Team, Api, str]
) -> None:
    team, alice, _room_channel = linked
    channel = slack.add_channel("tasks")
    status, _ = await admin.post(
        "/api/v1/admin/links", {"board": team.board, "platform": "slack", "channel": channel}
    )
    assert status == 201
    status, other = await alice.post(f"/api/v1/boards/{team.board}/tasks", {"title": "Ship <it>"})
    assert status == 201, other
    for task, body in [(team.task, "one"), (team.task, "two"), (other["id"], "three")]:
        status, _ = await alice.post(f"/api/v1/tasks/{task}/comments", {"body": body})
        assert status == 201
    await until(lambda: len(slack.messages(channel)) == 5)

    messages = slack.messages(channel)
    parents = [m for m in messages if m.thread_ts in (None, m.ts)]
    public_url = alice.client.app[SETTINGS].public_url
    assert [p.text for p in parents] == [
        f"<{public_url}/messaging/task/{team.task}/comments/|Task #{team.task}: Ship it>",
        f"<{public_url}/messaging/task/{other['id']}/comments/|Task #{other['id']}: "
        "Ship &lt;it&gt;>",
    ]
    assert hub_ids(slack, channel)[0] == f"task:{team.task}"
    replies = {
        p.ts: [m.text for m in messages if m.thread_ts == p.ts and m is not p] for p in parents
    }
    assert list(replies.values()) == [["one", "two"], ["three"]]


async def test_a_linked_user_gets_one_dm_per_mention_unless_turned_off(
    make_user: UserFactory, linked: tuple[Team, Api, str], slack: FakeSlack, admin: Api
) -> None:
    team, alice, channel = linked
    await link_identity(admin, "bob", bob := slack.add_user("bob"))
    message = await post(alice, team.room, "@bob look <here> @bob")
    dm = slack.dm_channel(bob)
    await until(lambda: len(slack.messages(dm)) == 1)
    (note,) = slack.messages(dm)
    public_url = alice.client.app[SETTINGS].public_url
    assert note.text.startswith("*Alice* mentioned you in a room message:\n> ")
    assert "look &lt;here&gt;" in note.text
    url = f"{public_url}/messaging/room/{team.room}/#message-{message['id']}"
    assert note.text.endswith(f"<{url}|Open in TaskFlow>")
    assert (note.metadata or {})["event_payload"]["hub_id"].startswith("notification:")

    bob_api = Api(alice.client, token=None)
    status, body = await bob_api.post(
        "/api/v1/auth/login", {"username": "bob", "password": "correct horse battery"}
    )
    assert status == 200, body
    alice.client.session.cookie_jar.clear()
    bob_api.token = body["token"]
    status, me = await bob_api.patch("/api/v1/me", {"preferences": {"mention_dm": "off"}})
    assert status == 200 and me["preferences"]["mention_dm"] == "off"
    await post(alice, team.room, "@bob again")
    await until(lambda: len(slack.messages(channel)) == 2)
    await settled(admin)
    assert len(slack.messages(dm)) == 1


async def test_an_archived_channel_parks_the_delivery_until_an_admin_retries(
    linked: tuple[Team, Api, str], slack: FakeSlack, admin: Api
) -> None:
    team, alice, channel = linked
    slack.archive(channel)
    await post(alice, team.room, "into the void")

    (delivery,) = await until_async(lambda: deliveries(admin, "failed"))
    assert delivery["last_error"] == "is_archived" and delivery["channel"] == channel
    await post(alice, team.room, "still archived")
    await until(lambda: len(slack.calls_to("chat.postMessage")) == 2)
    assert len(await deliveries(admin, "failed")) == 2
    await settled(admin)
    assert len(slack.calls_to("chat.postMessage")) == 2  # parked, never retried by itself

    slack.workspace.channel(channel).archived = False
    assert (await admin.post(f"/api/v1/admin/deliveries/{delivery['id']}/retry"))[0] == 204
    await until(lambda: texts(slack, channel) == ["into the void"])
    assert len(await deliveries(admin, "failed")) == 1


def _error(status: int, error: str, headers: dict[str, str] | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None, http_verb="POST", api_url="", req_args={},
        data={"ok": False, "error": error}, headers=headers or {}, status_code=status,
    )  # fmt: skip
    return SlackApiError(error, response)


@pytest.mark.parametrize(
    ("status", "error", "headers", "kind", "detail"),
    [
        (429, "ratelimited", {"Retry-After": "7"}, RateLimited, 7.0),
        (429, "ratelimited", {}, RateLimited, 1.0),
        (200, "ratelimited", {"Retry-After": "2"}, RateLimited, 2.0),
        (503, "service_unavailable", {}, RetryLater, False),
        (200, "invalid_auth", {}, RetryLater, False),
        (200, "token_revoked", {}, RetryLater, False),
        (200, "channel_not_found", {}, Undeliverable, "channel_not_found"),
        (200, "not_in_channel", {}, Undeliverable, "not_in_channel"),
        (200, "msg_too_long", {}, Undeliverable, "msg_too_long"),
        (200, "cant_update_message", {}, Undeliverable, "cant_update_message"),
    ],
)
def test_slack_errors_become_outbox_outcomes(
    status: int, error: str, headers: dict[str, str], kind: type, detail: object
) -> None:
    result = outcome(_error(status, error, headers))
    assert isinstance(result, kind)
    if isinstance(result, RateLimited):
        assert result.retry_after_s == detail
    elif isinstance(result, RetryLater):
        assert result.uncertain is detail
    else:
        assert result is not None and result.message == detail


def test_a_lost_connection_is_an_uncertain_retry() -> None:
    import aiohttp

    result = outcome(aiohttp.ServerDisconnectedError())
    assert isinstance(result, RetryLater) and result.uncertain
    timeout = outcome(TimeoutError())
    assert isinstance(timeout, RetryLater) and timeout.uncertain
    assert outcome(ValueError("a bug")) is None
