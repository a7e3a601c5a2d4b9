"""New room messages that notify nobody, stored many at a time (the committer's bulk path).

Most messages mention no one, and under load hundreds wait for the same commit. Storing them
one by one costs a savepoint and four statements each; here a group of them costs one query
for who may post where, one for resends, one for ids and one INSERT, whatever its size. The
rules, the rows and the events are those of a post stored alone (`post_rules`, `post_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import orjson
from sqlalchemy import and_, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors import rights_holder
from hub.db.bulk_insert import BulkInsert
from hub.db.ids import reserve_ids
from hub.db.models import Base, ChatMessage, ChatRoom, RoomMember
from hub.db.types import utcnow
from hub.services.access import Standing
from hub.services.post_rows import PostRow, created, new_row, row_columns
from hub.services.post_rules import post_refusal
from hub.services.post_store import Posted, PostJob, client_key
from hub.services.unit_of_work import RUN_ALONE, UnitOfWork

_MESSAGES = Base.metadata.tables[ChatMessage.__tablename__]
_INSERT = BulkInsert(_MESSAGES, row_columns("room"))
# Each room asked for, with those of the senders who are its members (NULL: none is).
_MEMBERS = (
    select(ChatRoom.id, ChatRoom.board_id, RoomMember.user_id)
    .outerjoin(
        RoomMember,
        and_(
            RoomMember.room_id == ChatRoom.id,
            RoomMember.user_id.in_(bindparam("users", expanding=True)),
        ),
    )
    .where(ChatRoom.id.in_(bindparam("rooms", expanding=True)))
)
# The pairs given that earlier messages used, one probe of the unique index per pair (an
# `author IN (…) AND client_id IN (…)` would probe every combination of the two lists).
_USED_CLIENT_IDS = {
    "sqlite": text(
        "SELECT m.author_id, m.client_id FROM json_each(:pairs) AS w"
        " JOIN chat_messages AS m ON m.author_id = json_extract(w.value, '$[0]')"
        " AND m.client_id = json_extract(w.value, '$[1]')"
    ),
    "postgresql": text(
        "SELECT m.author_id, m.client_id"
        " FROM unnest(CAST(:authors AS bigint[]), CAST(:client_ids AS text[])) AS w(a, c)"
        " JOIN chat_messages AS m ON m.author_id = w.a AND m.client_id = w.c"
    ),
}


class _Room(NamedTuple):
    board_id: int
    members: set[int]  # those of the group's senders who are members


class RoomMessageBulk:
    """`Bulk` for room messages (`ROOM_MESSAGES.bulk`)."""

    async def run_together(
        self, session: AsyncSession, jobs: Sequence[PostJob], units: Sequence[UnitOfWork]
    ) -> list[Any]:
        senders = [rights_holder(job.actor) for job in jobs]
        keys = [client_key(job) for job in jobs]
        rooms = await _rooms(session, jobs, senders)
        used = await _used_client_ids(session, keys)
        outcomes: list[Any] = []
        accepted: list[tuple[int, int]] = []  # (index in jobs, seq)
        for index, (job, unit) in enumerate(zip(jobs, units, strict=True)):
            room = rooms.get(job.place_id)
            standing = (
                None
                if room is None
                else Standing(job.place_id, room.board_id, senders[index] in room.members)
            )
            if refusal := post_refusal(job.actor, standing, job.thread):
                outcomes.append(refusal)
                continue
            if (key := keys[index]) is not None:
                if key in used:  # a resend, or a second use within this group
                    outcomes.append(RUN_ALONE)
                    continue
                used.add(key)
            accepted.append((index, await unit.next_seq(job.thread.stream(job.place_id))))
            outcomes.append(None)
        ids = await reserve_ids(session, _MESSAGES, len(accepted))
        now = utcnow()
        rows: list[PostRow] = []
        for (index, seq), post_id in zip(accepted, ids, strict=True):
            job = jobs[index]
            row = new_row(post_id, job.place_id, seq, job.draft, job.author, job.origin.source, now)
            data, event = created(job.thread, row, job.author, [])
            await units[index].record(event, seq=seq)
            outcomes[index] = Posted(data, True)
            rows.append(row)
        await _INSERT.execute(session, rows)
        return outcomes


async def _rooms(
    session: AsyncSession, jobs: Sequence[PostJob], senders: Sequence[int | None]
) -> dict[int, _Room]:
    """Each existing room of `jobs`, with those of the `senders` who are its members."""
    rooms = {job.place_id for job in jobs}
    users = {user for user in senders if user is not None}
    found: dict[int, _Room] = {}
    for room_id, board_id, user_id in await session.execute(
        _MEMBERS, {"rooms": list(rooms), "users": list(users)}
    ):
        room = found.setdefault(room_id, _Room(board_id, set()))
        if user_id is not None:
            room.members.add(user_id)
    return found


async def _used_client_ids(
    session: AsyncSession, keys: Sequence[tuple[int, str] | None]
) -> set[tuple[int, str]]:
    """The (author, client_id) pairs of `keys` that earlier messages already used."""
    wanted = {key for key in keys if key is not None}
    if not wanted:
        return set()
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        params: dict[str, Any] = {"pairs": orjson.dumps(list(wanted)).decode()}
    else:
        params = {"authors": [a for a, _ in wanted], "client_ids": [c for _, c in wanted]}
    rows = await session.execute(_USED_CLIENT_IDS[dialect], params)
    return {(author, client_id) for author, client_id in rows}
