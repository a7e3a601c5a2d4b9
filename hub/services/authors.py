"""Who wrote a message or comment: a hub user, or (later) a platform user seen by a bridge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.auth.sessions import Viewer


@dataclass(frozen=True)
class Author:
    user_id: int | None
    username: str | None
    display_name: str
    source: str = "web"

    @classmethod
    def of(cls, viewer: Viewer, source: str = "web") -> Author:
        return cls(viewer.id, viewer.username, viewer.display_name, source)


def author_json(
    user_id: int | None, username: str | None, display_name: str | None
) -> dict[str, Any] | None:
    if user_id is None or username is None:
        return None
    return {"username": username, "display_name": display_name or username}
