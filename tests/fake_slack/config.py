"""Every timing and limit of the fake, named. Defaults mirror Slack; tests shorten the timings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FakeSlackConfig:
    # Socket Mode: an events_api envelope not acked within this is sent again (Slack: ~3 s).
    ack_timeout_s: float = 3.0
    # How many times an unacked event is redelivered (Slack: 3), over Socket Mode or HTTP.
    max_redeliveries: int = 3
    # Events API over HTTP: no 2xx within this counts as a failed delivery (Slack: 3 s).
    event_http_timeout_s: float = 3.0
    # Delay before each HTTP retry (Slack: at once, after ~1 min, after ~5 min).
    event_http_retry_delays_s: tuple[float, ...] = (0.0, 60.0, 300.0)
    # After a `disconnect` message the fake closes the old socket itself after this.
    disconnect_grace_s: float = 1.0
    # chat.postMessage / chat.update text limit (Slack: 40,000 characters → msg_too_long).
    max_text_length: int = 40_000
    # A bot post with a `username` override arrives as subtype "bot_message" without `user`
    # (classic Slack behaviour); False gives the plain bot-user shape with `user` set.
    bot_message_on_override: bool = True
    # conversations.history / .replies / users.list page sizes.
    default_page_limit: int = 100
    max_page_limit: int = 999
