"""Who wrote a post (or caused a notification): a hub user, or a platform author a bridge
brought in, who may be linked to a hub user or known only by name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from hub.actors import Actor, PostActor


@dataclass(frozen=True, slots=True)
class Author:
    user_id: int | None
    username: str | None
    display_name: str

    @staticmethod
    @lru_cache(maxsize=4096)  # every post asks; a few hundred people post at once
    def of(actor: PostActor) -> Author:
        """The author of what `actor` writes: the user, or the platform author's linked user,
        or (unlinked) the platform author by name."""
        user = actor if isinstance(actor, Actor) else actor.user
        if user is None:
            return Author(None, None, actor.display_name)
        return Author(user.id, user.username, user.display_name)


def author_json(
    user_id: int | None, username: str | None, display_name: str | None
) -> dict[str, Any] | None:
    if user_id is None or username is None:
        return None
    return {"username": username, "display_name": display_name or username}
