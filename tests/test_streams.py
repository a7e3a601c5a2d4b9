"""The event log hands out gap-free seqs per stream, also under concurrent writers."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from hub.appkeys import DATABASE
from hub.db.event_log import EventLog, RecordedEvent
from hub.db.models import StreamEvent
from hub.db.types import json_bytes
from hub.events import board_stream
from tests.conftest import Api


async def test_concurrent_appends_get_consecutive_seqs(anonymous: Api) -> None:
    database = anonymous.client.app[DATABASE]

    async def append(board: int, n: int) -> None:
        async with database.write() as session:
            log, stream = EventLog(session), board_stream(board)
            seq = await log.next_seq(stream)
            log.append(RecordedEvent(stream, seq, "task.created", json_bytes({"n": n})))
            await log.write()

    await asyncio.gather(*(append(board, n) for n in range(20) for board in (1, 2)))
    async with database.read() as session:
        rows = (await session.execute(select(StreamEvent.stream, StreamEvent.seq))).all()
    for board in (1, 2):
        seqs = sorted(seq for stream, seq in rows if stream == f"board:{board}")
        assert seqs == list(range(1, 21))
