"""Who the bridge is in its Slack workspace."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """The bot's ids (from auth.test): events carrying them are the bridge's own, ignored."""

    user_id: str
    bot_id: str | None
    team_id: str
