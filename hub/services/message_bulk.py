"""New room messages that notify nobody, stored many at a time (the committer's bulk path).

Most messages mention no one, and under load hundreds wait for the same commit. Storing them
one by one costs a savepoint and four statements each; here a group of them costs one query
for who may post where, one for resends, one for ids and one INSERT, whatever its size. The
rules are the ones `Thread.store` applies to a single post (tests/test_group_commit.py checks
that both give the same results).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson
from sqlalchemy import and_, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.bulk_insert import BulkInsert
from hub.db.ids import reserve_ids
from hub.db.models import Base, ChatMessage, ChatRoom, RoomMember
from hub.db.types import utcnow
from hub.errors import NotFound
from hub.events import MessageCreated, RoomId, room_stream
from hub.services.authors import author_json
from hub.services.posts import PostJob, post_json
from hub.services.unit_of_work import RUN_ALONE, UnitOfWork

if TYPE_CHECKING:
    from hub.services.messages import RoomMessages

_MESSAGES = Base.metadata.tables[ChatMessage.__tablename__]


class MessageRow(NamedTuple):
    """A new message's row (the INSERT's values, in order), and its `PostFields`."""

    id: int
    room_id: int
    seq: int
    author_id: int | None
    author_name: str
    source: str
    body: str
    html: str
    client_id: str | None
    created_at: datetime
    edited_at: datetime | None = None
    deleted_at: datetime | None = None


_INSERT = BulkInsert(_MESSAGES, MessageRow._fields)
# Each room asked for, with those of the senders who are its members (NULL: none is).
_MEMBERS = (
    select(ChatRoom.id, RoomMember.user_id)
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

Job = PostJob[ChatMessage, ChatRoom]


class RoomMessageBulk:
    """`Bulk` for room messages (`RoomMessages.bulk`)."""

    def __init__(self, thread: RoomMessages) -> None:
        self._thread = thread

    async def run_together(
        self, session: AsyncSession, jobs: Sequence[Job], units: Sequence[UnitOfWork]
    ) -> list[Any]:
        members = await _members(session, jobs)
        used = await _used_client_ids(session, jobs)
        outcomes: list[Any] = []
        accepted: list[tuple[int, int]] = []  # (index in jobs, seq)
        for index, (job, unit) in enumerate(zip(jobs, units, strict=True)):
            room = job.place_id
            if room not in members:
                outcomes.append(NotFound("no such room"))
                continue
            if job.sender is not None and (
                refusal := self._thread.refusal(job.sender, job.sender.id in members[room])
            ):
                outcomes.append(refusal)
                continue
            key = (job.draft.author.user_id, job.draft.client_id)
            if key[0] is not None and key[1] is not None:
                if key in used:  # a resend, or a second use within this group
                    outcomes.append(RUN_ALONE)
                    continue
                used.add(key)
            accepted.append((index, await unit.next_seq(room_stream(room))))
            outcomes.append(None)
        ids = await reserve_ids(session, _MESSAGES, len(accepted))
        now = utcnow()
        rows: list[MessageRow] = []
        for (index, seq), post_id in zip(accepted, ids, strict=True):
            room, draft = jobs[index].place_id, jobs[index].draft
            author = draft.author
            row = MessageRow(
                *(post_id, room, seq, author.user_id, author.display_name, author.source),
                *(draft.body, draft.html, draft.client_id, now),
            )
            author_data = author_json(author.user_id, author.username, author.display_name)
            data = post_json(row, "room", room, author_data, [])
            await units[index].record(MessageCreated(RoomId(room), data), seq=seq)
            outcomes[index] = (data, True)
            rows.append(row)
        await _INSERT.execute(session, rows)
        return outcomes


async def _members(session: AsyncSession, jobs: Sequence[Job]) -> dict[int, set[int]]:
    """Each existing room of `jobs` → the senders among its members."""
    rooms = {job.place_id for job in jobs}
    users = {job.sender.id for job in jobs if job.sender is not None}
    found: dict[int, set[int]] = {}
    for room_id, user_id in await session.execute(
        _MEMBERS, {"rooms": list(rooms), "users": list(users)}
    ):
        members = found.setdefault(room_id, set())
        if user_id is not None:
            members.add(user_id)
    return found


async def _used_client_ids(
    session: AsyncSession, jobs: Sequence[Job]
) -> set[tuple[int | None, str | None]]:
    """The (author, client_id) pairs of `jobs` that earlier messages already used."""
    wanted = {
        (job.draft.author.user_id, job.draft.client_id)
        for job in jobs
        if job.draft.author.user_id is not None and job.draft.client_id is not None
    }
    if not wanted:
        return set()
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        params: dict[str, Any] = {"pairs": orjson.dumps(list(wanted)).decode()}
    else:
        params = {"authors": [a for a, _ in wanted], "client_ids": [c for _, c in wanted]}
    rows = await session.execute(_USED_CLIENT_IDS[dialect], params)
    return {(author, client_id) for author, client_id in rows}
