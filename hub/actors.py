"""Who acts in a use-case, and so whose rights apply: a person (an administrator's rights
included), or a bridge acting for someone on a platform.

Services take an actor, never a login session: a request, a socket, the demo and a bridge
each say who acts, and what that actor may do is decided once, in the services.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """A hub user acting with their own rights: what their memberships allow (an
    administrator sees everything and may delete any post)."""

    id: int
    username: str
    display_name: str
    is_admin: bool


@dataclass(frozen=True, slots=True)
class BridgeActor:
    """A bridge acting for an author on a platform, in a place its link lets it post to (the
    bridge checked the link). The post is authored by `user` when the platform author is
    linked to a hub user, else by `display_name` alone ("carol (Slack)"). A bridge may change
    only posts that came from its own platform."""

    platform: str
    external_user_id: str
    display_name: str
    user: Actor | None = None


PostActor = Actor | BridgeActor


def rights_holder(actor: PostActor) -> int | None:
    """The user whose own memberships decide what `actor` may do: a person's; none for a
    bridge, whose link decides (even when it acts for a linked user)."""
    return actor.id if isinstance(actor, Actor) else None
