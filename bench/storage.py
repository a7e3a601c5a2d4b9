#!/usr/bin/env python3
"""Storage benchmark: durable messages/s through the hub's group-commit writer, and history
pages read in a room of 1,000,000 messages, on SQLite (WAL) and PostgreSQL.

Throughput: --senders asyncio tasks each post a message through `Writer.run` (the use-case
the HTTP and WebSocket handlers call, so permission check, markdown, seq, event log and one
COMMIT per batch), wait for its result (the ack: after the commit) and post the next, for
--duration seconds after --warmup; once with time-ordered client ids as the web UI sends
them, once with random ones (--client-ids). History: a room seeded with --history-rows
messages (Core executemany on SQLite, COPY on PostgreSQL, not the post path), then --reads
pages of 50 read through the history use-case at random positions, and the newest page, each
in its own read session like an HTTP request. It prints numbers, not verdicts.

SQLite runs in a temporary directory; its seeded history database is kept between runs in
$TMPDIR/taskflow-bench/, keyed by schema revision and size. PostgreSQL runs in a database of
its own that it creates and drops, on the server of --pg-url (default: $HUB_BENCH_PG_URL, else
postgresql+asyncpg://postgres@127.0.0.1:5432/postgres, whose database is only used to create
and drop the bench's).

  .venv/bin/python bench/storage.py --quick
  .venv/bin/python bench/storage.py --backend sqlite --senders 512 --json | tail -1
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import orjson
import uvloop
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from hub.actors import Actor
from hub.broker import InProcessBroker
from hub.db.engine import Database, create_engine
from hub.db.migrate import head_revision, upgrade_to_head
from hub.db.models import (
    Base,
    Board,
    BoardMember,
    ChatMessage,
    ChatRoom,
    RoomMember,
    Stream,
    User,
)
from hub.events import API_ORIGIN, room_stream
from hub.gc_tuning import tune_for_serving
from hub.render import render_markdown
from hub.services.messages import ROOM_MESSAGES
from hub.services.pagination import NEWEST, PageRequest
from hub.services.post_reads import history as history_page
from hub.services.posting import Posting
from hub.services.writer import Writer
from hub.settings import Settings

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PAGE = 50
SEED_CHUNK = 50_000
SMALL_ROOM = 1_000  # messages in the second room of the history database
PLAIN_BODY = "message {n} from sender {sender}"
MARKDOWN_BODY = "message **{n}** from sender {sender}"


def uuid7() -> str:
    """A UUIDv7 (RFC 9562): what the web UI sends as client_id (webui/static/client_ids.js).
    Formatted by hand, at half the cost of `uuid.UUID`: a client's work, not the hub's."""
    millis = time.time_ns() // 1_000_000
    variant_and_random = 0b10 << 62 | random.getrandbits(62)
    digits = f"{millis:012x}7{random.getrandbits(12):03x}{variant_and_random:016x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


CLIENT_IDS: dict[str, Callable[[], str]] = {"uuid7": uuid7, "uuid4": lambda: str(uuid.uuid4())}


class Rooms(NamedTuple):
    """The history database's rooms, and a member of the big one."""

    big: int
    small: int
    viewer: Actor


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


async def add_people(database: Database, count: int, room_name: str) -> tuple[int, list[Actor]]:
    """`count` users, all members of one board and of one room in it: (room id, viewers)."""
    async with database.write() as session:
        users = [
            User(
                username=f"{room_name}{n}",
                username_key=f"{room_name}{n}",
                display_name=f"Bench {n}",
                password_hash="-",
            )
            for n in range(count)
        ]
        session.add_all(users)
        await session.flush()
        board = Board(name=room_name, created_by=users[0].id)
        session.add(board)
        await session.flush()
        room = ChatRoom(board_id=board.id, name=room_name, name_key=room_name)
        session.add(room)
        await session.flush()
        session.add_all(BoardMember(board_id=board.id, user_id=user.id) for user in users)
        session.add_all(RoomMember(room_id=room.id, user_id=user.id) for user in users)
        viewers = [Actor(u.id, u.username, u.display_name, False) for u in users]
        return room.id, viewers


async def throughput(
    url: str, senders: int, client_ids: str, args: argparse.Namespace
) -> dict[str, Any]:
    """Messages/s acknowledged after their commit, with `senders` posting at once."""
    new_client_id = CLIENT_IDS[client_ids]
    database = Database(create_engine(url))
    writer = Writer(database, InProcessBroker(), batch_max=args.batch_max)
    room_id, viewers = await add_people(database, min(senders, 64), f"load{senders}{client_ids}x")
    max_bytes: int = Settings.model_fields["max_message_bytes"].default
    posting = Posting(writer, None, max_bytes=max_bytes)  # as the API posts, unthrottled
    latencies: list[float] = []
    measuring = stopping = False

    async def sender(number: int) -> int:
        viewer = viewers[number % len(viewers)]
        acked = sent = 0
        while not stopping:
            started = time.perf_counter()
            await posting.submit(
                ROOM_MESSAGES,
                room_id,
                args.body.format(n=sent, sender=number),
                actor=viewer,
                origin=API_ORIGIN,
                client_id=new_client_id(),
            )
            sent += 1
            if measuring:  # acked inside the window
                latencies.append(time.perf_counter() - started)
                acked += 1
        return acked

    tasks = [asyncio.create_task(sender(n)) for n in range(senders)]
    await asyncio.sleep(args.warmup)
    measuring = True
    before = writer.batch_sizes.copy()
    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.sleep(args.duration)
    measuring = False
    window, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    batches = writer.batch_sizes - before
    stopping = True
    acked = sum(await asyncio.gather(*tasks))
    await writer.close()
    await database.close()
    sizes = sorted(batches.elements())
    return {
        "senders": senders,
        "messages_per_s": round(acked / window),
        "acked": acked,
        "ack_p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "ack_p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "body": args.body,
        "client_ids": client_ids,
        "batches": len(sizes),
        "batch_mean": round(statistics.fmean(sizes), 1) if sizes else 0,
        "batch_p50": sizes[len(sizes) // 2] if sizes else 0,
        "batch_max": max(sizes, default=0),
        "cpu_percent": round(100 * cpu / window),
    }


def message_rows(room_id: int, author: Actor, count: int) -> Iterator[dict[str, Any]]:
    body = "a seeded message with **some** markdown, like most chat lines"
    html, created = render_markdown(body), datetime.now(UTC)
    for seq in range(1, count + 1):
        yield {
            "room_id": room_id,
            "seq": seq,
            "author_id": author.id,
            "author_name": author.display_name,
            "source": "web",
            "body": body,
            "html": html,
            "created_at": created,
        }


async def seed_room(database: Database, name: str, count: int) -> tuple[int, Actor]:
    """A room of `count` messages, written in bulk: (room id, a member)."""
    room_id, (viewer, *_) = await add_people(database, 1, name)
    rows = message_rows(room_id, viewer, count)
    if database.is_sqlite:
        table = Base.metadata.tables[ChatMessage.__tablename__]
        while chunk := list(itertools.islice(rows, SEED_CHUNK)):
            async with database.write() as session:
                await session.execute(insert(table), chunk)
    else:
        async with database.engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            columns = list(next(message_rows(room_id, viewer, 1)))
            records = (tuple(row.values()) for row in rows)
            await raw.copy_records_to_table("chat_messages", records=records, columns=columns)
    async with database.write() as session:
        session.add(Stream(name=room_stream(room_id), last_seq=count))
    return room_id, viewer


async def seed_history(database: Database, count: int) -> Rooms:
    """The big room, and a small one whose pages the (room, id) index must serve."""
    big, viewer = await seed_room(database, "history", count)
    small, _ = await seed_room(database, "small", SMALL_ROOM)
    async with database.engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()
        if not database.is_sqlite:  # write the load out now, not while pages are timed
            await connection.execute(text("CHECKPOINT"))
            await connection.commit()
    return Rooms(big, small, viewer)


async def cached_sqlite_history(count: int) -> tuple[str, Rooms]:
    """The seeded SQLite database, built once per schema revision and size."""
    folder = Path(tempfile.gettempdir()) / "taskflow-bench"
    path = folder / f"history-{head_revision()}-{count}-{SMALL_ROOM}.db"
    url = f"sqlite+aiosqlite:///{path}"
    if not path.exists():
        progress(f"seeding {count:,} messages into {path} (kept for later runs)")
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        partial_url = f"sqlite+aiosqlite:///{partial}"
        await upgrade_to_head(partial_url)
        database = Database(create_engine(partial_url))
        await seed_history(database, count)
        await database.close()
        partial.rename(path)
    database = Database(create_engine(url))
    async with database.read() as session:
        rooms = dict((await session.execute(select(ChatRoom.name, ChatRoom.id))).all())
        user = await session.scalar(select(User).where(User.username == "history0"))
    await database.close()
    assert user is not None
    viewer = Actor(user.id, user.username, user.display_name, False)
    return url, Rooms(rooms["history"], rooms["small"], viewer)


async def history_plan(database: Database, room_id: int) -> str:
    """How the database runs the history page query (the history use-case's own)."""
    dialect = database.engine.dialect
    values = {"page_scope": room_id, "page_before": NEWEST, "page_limit": PAGE + 1}
    statement = ROOM_MESSAGES.statements.history.backward(dialect.name).params(values)
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN " if database.is_sqlite else "EXPLAIN "
    async with database.engine.connect() as connection:
        rows = (await connection.execute(text(explain + sql))).all()
    return " / ".join(str(row[-1]).strip() for row in rows)


async def history(url: str, rooms: Rooms, reads: int) -> dict[str, Any]:
    database = Database(create_engine(url))
    room_id, viewer = rooms.big, rooms.viewer
    async with database.read() as session:
        bounds = (
            await session.execute(
                select(func.min(ChatMessage.id), func.max(ChatMessage.id)).where(
                    ChatMessage.room_id == room_id
                )
            )
        ).one()
    first, last = int(bounds[0]), int(bounds[1])

    async def read_page(before: int) -> float:
        started = time.perf_counter()
        async with database.read(snapshot=False) as session:  # as the HTTP API reads
            items, _ = await history_page(
                session, ROOM_MESSAGES, viewer, room_id, PageRequest(limit=PAGE, before=before)
            )
        assert len(items) == PAGE
        return time.perf_counter() - started

    for _ in range(20):  # warm the statement cache and the connection pool
        await read_page(NEWEST)
    randoms = [await read_page(random.randint(first + PAGE, last)) for _ in range(reads)]
    newest = [await read_page(NEWEST) for _ in range(max(reads // 4, 10))]
    plans = {
        f"room of {last - first + 1:,}": await history_plan(database, rooms.big),
        f"room of {SMALL_ROOM:,}": await history_plan(database, rooms.small),
    }
    await database.close()
    return {
        "rows": last - first + 1,
        "random_p50_ms": round(percentile(randoms, 0.5) * 1000, 2),
        "random_p99_ms": round(percentile(randoms, 0.99) * 1000, 2),
        "newest_p50_ms": round(percentile(newest, 0.5) * 1000, 2),
        "newest_p99_ms": round(percentile(newest, 0.99) * 1000, 2),
        "plans": plans,
    }


@asynccontextmanager
async def postgres_database(server_url: str) -> AsyncIterator[str]:
    """A database of the bench's own on the server of `server_url`, dropped afterwards."""
    name = f"taskflow_storage_bench_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def run_sqlite(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="taskflow-storage-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'hub.db'}"
        await upgrade_to_head(url)
        result: dict[str, Any] = {"backend": "sqlite", "throughput": []}
        for senders, client_ids in itertools.product(args.senders, args.client_ids):
            progress(f"sqlite: throughput, {senders} senders, {client_ids} client ids")
            result["throughput"].append(await throughput(url, senders, client_ids, args))
    history_url, rooms = await cached_sqlite_history(args.history_rows)
    progress("sqlite: history")
    result["history"] = await history(history_url, rooms, args.reads)
    return result


async def run_postgresql(args: argparse.Namespace) -> dict[str, Any]:
    async with postgres_database(args.pg_url) as url:
        await upgrade_to_head(url)
        result: dict[str, Any] = {"backend": "postgresql", "throughput": []}
        for senders, client_ids in itertools.product(args.senders, args.client_ids):
            progress(f"postgresql: throughput, {senders} senders, {client_ids} client ids")
            result["throughput"].append(await throughput(url, senders, client_ids, args))
        progress(f"postgresql: seeding {args.history_rows:,} messages (COPY)")
        database = Database(create_engine(url))
        rooms = await seed_history(database, args.history_rows)
        await database.close()
        progress("postgresql: history")
        result["history"] = await history(url, rooms, args.reads)
    return result


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        f"{'backend':<11}{'senders':>8}{'ids':>6}{'msgs/s':>8}{'ack p50':>9}{'ack p99':>9}"
        f"{'batch avg':>10}{'max':>5}{'cpu %':>7}"
    ]
    for result in results:
        for t in result["throughput"]:
            lines.append(
                f"{result['backend']:<11}{t['senders']:>8}{t['client_ids']:>6}"
                f"{t['messages_per_s']:>8}"
                f"{t['ack_p50_ms']:>9}{t['ack_p99_ms']:>9}{t['batch_mean']:>10}"
                f"{t['batch_max']:>5}{t['cpu_percent']:>7}"
            )
    if runs := [t for result in results for t in result["throughput"]]:
        lines.append(f"(each message's body: {runs[0]['body']!r})")
    lines.append("")
    lines.append(
        f"{'backend':<11}{'rows':>10}{'random p50':>12}{'p99':>8}{'newest p50':>12}{'p99':>8}"
    )
    for result in results:
        h = result["history"]
        lines.append(
            f"{result['backend']:<11}{h['rows']:>10}{h['random_p50_ms']:>12}"
            f"{h['random_p99_ms']:>8}{h['newest_p50_ms']:>12}{h['newest_p99_ms']:>8}"
        )
    lines.append("(milliseconds; history: pages of 50 messages, each in its own read session)")
    for r in results:
        lines += [
            f"plan, {r['backend']}, {room}: {plan}" for room, plan in r["history"]["plans"].items()
        ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--quick", action="store_true", help="shorter phases and fewer reads")
    p.add_argument(
        "--senders",
        type=int,
        nargs="+",
        help="concurrent senders, one phase each (64 512; quick 256)",
    )
    p.add_argument("--duration", type=float, help="measured seconds (default 15, quick 5)")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    p.add_argument(
        "--batch-max", type=int, default=Settings.model_fields["write_batch_max"].default
    )
    p.add_argument(
        "--body",
        default=PLAIN_BODY,
        help="each message's body, formatted with {n} and {sender} (default: a plain chat "
        f"line, {PLAIN_BODY!r}; markdown costs more to render, e.g. {MARKDOWN_BODY!r})",
    )
    p.add_argument(
        "--client-ids",
        choices=sorted(CLIENT_IDS),
        nargs="+",
        default=["uuid7", "uuid4"],
        help="each message's client_id, one phase each: time-ordered as the web UI sends them, "
        "random as other clients may (default: both)",
    )
    p.add_argument("--history-rows", type=int, default=1_000_000)
    p.add_argument("--reads", type=int, help="random history pages (default 2000, quick 500)")
    p.add_argument("--pg-url", default=os.environ.get("HUB_BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--json", action="store_true", help="also print one JSON line, last")
    args = p.parse_args(argv)
    args.duration = args.duration or (5.0 if args.quick else 15.0)
    args.reads = args.reads or (500 if args.quick else 2000)
    args.senders = args.senders or ([256] if args.quick else [64, 512])
    return args


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    results = []
    if args.backend in ("sqlite", "both"):
        results.append(await run_sqlite(args))
    if args.backend in ("postgresql", "both"):
        results.append(await run_postgresql(args))
    return results


def main() -> None:
    args = parse_args()
    tune_for_serving()  # as `hub serve` runs
    started = time.monotonic()
    results = uvloop.run(run(args))
    print(table(results))
    print(f"(took {time.monotonic() - started:.0f} s)")
    if args.json:
        print(orjson.dumps(results).decode())


if __name__ == "__main__":
    main()
