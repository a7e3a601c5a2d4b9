"""Who a new post named but did not notify, for its author alone (Slack's "carol is not in
#launch and was not notified"): people who exist but cannot see the post, because they are
not in its room (`on_board`: they are on the board, so a room member may add them) or not on
its board. Asked after the post is committed, and only when its text could name someone it
did not notify, so most posts cost nothing more."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.db.engine import Database
from hub.db.models import BoardMember, ChatRoom, Task, User
from hub.mentions import possible_names
from hub.services.posting import Posting


def _left_out(post: dict[str, Any], names: frozenset[str]) -> frozenset[str]:
    author = (post.get("author") or {}).get("username", "")
    return names - {name.lower() for name in post["mentions"]} - {author.lower()}


async def not_notified(
    posting: Posting, database: Database, post: dict[str, Any]
) -> list[dict[str, Any]]:
    """`[{"username", "on_board"}]` for each existing, active person the post named and did
    not notify, in username order."""
    if not _left_out(post, possible_names(post["body"])):  # most posts: no parse, no query
        return []
    names = _left_out(post, await posting.mentioned(post["body"]))
    if not names:
        return []
    place = ChatRoom if "room" in post else Task
    place_id = post["room"] if "room" in post else post["task"]
    async with database.read() as session:
        board_id = await session.scalar(select(place.board_id).where(place.id == place_id))
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
