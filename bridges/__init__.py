"""Bridge adapters (Slack, Discord) and the machinery they share; built in later issues."""
