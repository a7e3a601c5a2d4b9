"""The Slack bridge (`SlackBridge`), built by the app's wiring when the configuration turns
it on: a bot token with an app token (Socket Mode) or a signing secret (Events API)."""

from bridges.slack.bridge import SlackBridge, SlackSettings

__all__ = ["SlackBridge", "SlackSettings"]
