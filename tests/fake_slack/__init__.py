"""A fake Slack that the unmodified slack_sdk / slack-bolt talk to over real HTTP and WebSocket.

    async with FakeSlack.running(ack_timeout_s=0.5) as slack:   # FakeSlackConfig fields
        channel = slack.add_channel("launch")                   # "C…"; bot is a member
        carol = slack.add_user("carol", real_name="Carol")      # "U…"
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        app = AsyncApp(client=client)                           # Bolt: always pass the client
        handler = AsyncSocketModeHandler(app, slack.app_token, ping_interval=1)
        await handler.connect_async()
        await slack.wait_for_connections(1)
        ts = await slack.user_posts(channel, carol, "hello")    # → a `message` event
        await slack.wait_until(lambda: slack.deliveries[-1].acked)

Clear HTTP(S)_PROXY first (`clear_proxy_env(monkeypatch)`): slack_sdk sends 127.0.0.1 traffic
to a proxy from the environment and ignores NO_PROXY.

What it models (see /work/shared/research/protocol-fakes.md for the facts behind each):
- Web API at `slack.api_url`: auth.test, apps.connections.open (xapp token), chat.postMessage /
  update / delete / postEphemeral, conversations.open / info / history / replies, users.info /
  list. Bearer auth (`not_authed`, `invalid_auth`, `not_allowed_token_type`), logical errors as
  HTTP 200 `{"ok": false}`, cursor pagination, `include_all_metadata`.
- Every write, by a user (`user_posts`, `user_edits`, `user_deletes`) or by the bot through the
  API, becomes a `message` event (subtypes message_changed / message_deleted; bot posts carry
  `bot_id`), only for channels the bot is in. Events go by Socket Mode (envelopes, acks,
  redelivery after `ack_timeout_s`) and/or over HTTP (`deliver_events_to(url, secret)`: signed,
  retried with X-Slack-Retry-Num). `user_runs_command` sends a slash command; its answers (ack
  payload, HTTP body, response_url POST) land in `slack.ephemerals`.
- Faults: rate_limit, fail_next, slow, lose_answer, down/up, revoke_token, drop_socket,
  send_disconnect, archive, kick_bot. Inspection: messages, calls, calls_to, deliveries,
  http_attempts, events, retry_after_violations, connections, socket_connected.

Choices where Slack is not documented: a redelivered envelope gets a new envelope_id (dedupe on
the event's `event_id`); a bot post with `username`/`icon_url` is a `bot_message` without `user`
(`bot_message_on_override=False` for the other shape); events carry the message `metadata`.
"""

from __future__ import annotations

import pytest

from tests.fake_slack.config import FakeSlackConfig
from tests.fake_slack.controller import FakeSlack
from tests.fake_slack.workspace import Message, SlackError

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")


def clear_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset the proxy variables slack_sdk reads (it ignores NO_PROXY)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


__all__ = ["FakeSlack", "FakeSlackConfig", "Message", "SlackError", "clear_proxy_env"]
