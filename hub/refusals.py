"""What the hub refused its clients, counted where a refusal becomes a response or an error
frame (read by /metrics): WebSocket frames answered with an error frame, by its code, beside
every frame received; and requests refused by a rate limit, by how they came and what for."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from aiohttp import web

from hub.metrics import route_template


class Via(StrEnum):
    """How a rate-limited request came: `what` then names its route or its frame type."""

    HTTP = "http"  # what: the API route's template, e.g. /api/v1/rooms/{id}/messages
    FORM = "form"  # what: the dashboard form's route, e.g. /login
    WS = "ws"  # what: the frame type, e.g. message.send, or "frames" for the frame budget


@dataclass(eq=False, slots=True)
class Refusals:
    frames_received: int = 0  # every frame a client sent (the frame budget counts them all)
    frames_rejected: Counter[str] = field(default_factory=Counter)  # by error code
    rate_limited: Counter[tuple[Via, str]] = field(default_factory=Counter)  # by (via, what)

    def rate_limited_request(self, via: Via, request: web.Request) -> None:
        """Count an HTTP request refused by a rate limit, by its route."""
        self.rate_limited[via, route_template(request)] += 1
