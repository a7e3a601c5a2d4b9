"""The render pool: short bodies in the loop, long ones in worker processes that give the same
text; a body past its deadline, or whose worker dies or is cancelled, costs its worker and
falls back to plain text, and the next body is rendered as usual; the loop runs meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
from collections.abc import AsyncIterator

import pytest

from hub import render_worker
from hub.post_text import PostText, fallback_text, post_text
from hub.render_pool import IN_LOOP_CHARS, RenderPool, renders_in_loop
from hub.render_worker import READY, decode_text, frame, frame_length, serve
from tests.hostile_bodies import hostile_body

LONG = "**Release notes**\n\n" + "- fixed `the thing` for @bob, see https://example.com\n" * 8
SLOW = hostile_body("image openers")  # a few hundred milliseconds of a worker's time


@pytest.fixture
async def pool() -> AsyncIterator[RenderPool]:
    pool = RenderPool(workers=1, deadline_s=30.0)
    yield pool
    await pool.close()


def worker_pid(pool: RenderPool) -> int:
    process = pool._workers[0]._process  # the test kills it
    assert process is not None
    return process.pid


@pytest.mark.parametrize(
    ("body", "in_loop"),
    [
        ("short **and** sweet", True),
        ("x" * IN_LOOP_CHARS, True),
        ("x" * (IN_LOOP_CHARS + 1), False),
        ("| a | b |\n|-|-|", False),  # a table's filled-in cells grow with columns times rows
    ],
)
def test_which_bodies_render_in_the_loop(body: str, in_loop: bool) -> None:
    assert renders_in_loop(body) is in_loop


async def test_a_worker_gives_what_the_loop_would(pool: RenderPool) -> None:
    assert await pool.post_text(LONG) == post_text(LONG)
    assert await pool.post_text(SLOW) == post_text(SLOW)


async def test_the_loop_runs_while_a_worker_renders(pool: RenderPool) -> None:
    await pool.post_text(LONG)  # the worker is up
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0)
            ticks += 1

    ticker = asyncio.create_task(tick())
    await pool.post_text(SLOW)
    ticker.cancel()
    assert ticks > 100


async def test_a_body_over_its_cpu_time_is_plain_text_and_its_worker_carries_on() -> None:
    pool = RenderPool(workers=1, deadline_s=0.01)  # SLOW takes ten times as long
    try:
        plain = "x" * (IN_LOOP_CHARS + 1)
        assert await pool.post_text(plain) == post_text(plain)
        pid = worker_pid(pool)
        assert await pool.post_text(SLOW) == fallback_text(SLOW)
        assert await pool.post_text(plain) == post_text(plain)
        assert worker_pid(pool) == pid
    finally:
        await pool.close()


async def test_a_worker_that_does_not_answer_is_replaced() -> None:
    pool = RenderPool(workers=1, deadline_s=0.01)  # gone after 0.1 s
    try:
        plain = "x" * (IN_LOOP_CHARS + 1)
        await pool.post_text(plain)
        stopped = worker_pid(pool)
        os.kill(stopped, signal.SIGSTOP)  # it uses no CPU time, and never answers
        assert await pool.post_text(plain + "!") == fallback_text(plain + "!")
        assert await pool.post_text(plain) == post_text(plain)
        assert worker_pid(pool) != stopped
    finally:
        await pool.close()


async def test_a_worker_that_dies_costs_the_body_it_had(pool: RenderPool) -> None:
    await pool.post_text(LONG)
    rendering = asyncio.create_task(pool.post_text(SLOW))
    await asyncio.sleep(0.01)
    os.kill(worker_pid(pool), signal.SIGKILL)
    assert await rendering == fallback_text(SLOW)
    assert await pool.post_text(LONG) == post_text(LONG)


async def test_a_cancelled_body_s_answer_does_not_go_to_the_next(pool: RenderPool) -> None:
    await pool.post_text(LONG)
    waiting = asyncio.create_task(pool.post_text(SLOW))
    await asyncio.sleep(0.01)
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    assert await pool.post_text(LONG) == post_text(LONG)


async def test_bodies_wait_their_turn_for_a_worker(pool: RenderPool) -> None:
    bodies = [f"{LONG}\n\nnumber {n}" for n in range(6)]
    assert await asyncio.gather(*map(pool.post_text, bodies)) == list(map(post_text, bodies))


def run_worker(*bodies: str, cpu_seconds: float = 30.0) -> list[bytes]:
    """The frames `serve` writes for `bodies`, in this process."""
    sink = io.BytesIO()
    handler = signal.getsignal(signal.SIGPROF)
    try:
        serve(io.BytesIO(b"".join(frame(body.encode()) for body in bodies)), sink, cpu_seconds)
    finally:
        signal.signal(signal.SIGPROF, handler)
    data, frames = sink.getvalue(), []
    while data:
        length = frame_length(data[:4])
        frames.append(data[4 : 4 + length])
        data = data[4 + length :]
    return frames


def test_a_worker_says_it_is_ready_then_answers_each_body() -> None:
    ready, *answers = run_worker(LONG, "plain")
    assert ready == READY
    assert [decode_text(answer) for answer in answers] == [post_text(LONG), post_text("plain")]


def test_a_worker_reports_a_body_over_its_cpu_time_and_goes_on() -> None:
    _, over, fine = run_worker(SLOW, "plain", cpu_seconds=0.01)
    assert decode_text(over) == "over 0.01 s of CPU time"
    assert decode_text(fine) == post_text("plain")


def test_a_worker_reports_a_body_that_fails_and_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    def fussy(body: str) -> PostText:
        if body == "boom":
            raise RuntimeError("inline rule didn't increment state.pos")
        return post_text(body)

    monkeypatch.setattr(render_worker, "post_text", fussy)
    _, failed, fine = run_worker("boom", LONG)
    assert decode_text(failed) == "RuntimeError: inline rule didn't increment state.pos"
    assert decode_text(fine) == post_text(LONG)


async def test_closing_ends_the_workers(pool: RenderPool) -> None:
    await pool.post_text(LONG)
    pid = worker_pid(pool)
    await pool.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
