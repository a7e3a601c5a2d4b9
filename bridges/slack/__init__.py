"""The Slack bridge."""
