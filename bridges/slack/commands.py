"""`/taskflow` in Slack: `/taskflow link CODE` links the Slack user who runs it to the hub
account that asked for CODE (on its settings page); the answer is ephemeral (only that user
sees it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bridges.link_codes import TAKEN, redeem
from bridges.tools import BridgeTools

USAGE = "Type `/taskflow link CODE` with the code from your TaskFlow Hub settings page."
UNKNOWN_CODE = "That code is unknown or expired."
TAKEN_ACCOUNT = "This Slack account is already linked to another TaskFlow Hub user."

Ack = Callable[..., Awaitable[None]]


class LinkCommand:
    def __init__(self, tools: BridgeTools) -> None:
        self.tools = tools

    async def handle(self, ack: Ack, command: dict[str, Any]) -> None:
        await ack(response_type="ephemeral", text=await self.answer(command))

    async def answer(self, command: dict[str, Any]) -> str:
        words = str(command.get("text", "")).split()
        user_id = str(command.get("user_id", ""))
        if len(words) != 2 or words[0].lower() != "link" or not user_id:
            return USAGE
        database = self.tools.identities.database
        result = await redeem(database, words[1], "slack", user_id)
        if result.username is not None:
            return f"Linked to {result.username} on TaskFlow Hub."
        return TAKEN_ACCOUNT if result.refusal == TAKEN else UNKNOWN_CODE
