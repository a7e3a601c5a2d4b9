"""Who a new post named but did not notify, for its author alone (Slack's "carol is not in
#launch and was not notified"): people who exist but cannot see the post, because they are
not in its room (`on_board`: they are on the board, so a room member may add them) or not on
its board. Asked after the post is committed, and only when it named someone it did not
notify, so most posts cost nothing more."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import BoardMember, ChatRoom, Task, User
from hub.mentions import parse_mentions


def named_not_notified(post: dict[str, Any]) -> frozenset[str]:
    """The lower-cased names a post's body mentions that its `mentions` (notified) lacks,
    the author's own left out."""
    names = parse_mentions(post["body"]).usernames
    if not names:
        return frozenset()
    author = (post.get("author") or {}).get("username", "")
    return names - {name.lower() for name in post["mentions"]} - {author.lower()}


async def not_notified(session: AsyncSession, post: dict[str, Any]) -> list[dict[str, Any]]:
    """`[{"username", "on_board"}]` for each existing person the post named and did not
    notify, in username order."""
    names = named_not_notified(post)
    if not names:
        return []
    place = ChatRoom if "room" in post else Task
    board_id = await session.scalar(
        select(place.board_id).where(place.id == post["room" if "room" in post else "task"])
    )
    rows = await session.execute(
        select(User.username, BoardMember.id)
        .outerjoin(
            BoardMember,
            (BoardMember.user_id == User.id) & (BoardMember.board_id == board_id),
        )
        .where(User.username_key.in_(sorted(names)), User.is_active.is_(True))
        .order_by(User.username_key)
    )
    return [{"username": name, "on_board": member is not None} for name, member in rows]
