"""Post bodies rendered without holding the event loop: a short body in the loop, any other in
one of a few worker processes (`hub.render_worker`), each within a deadline.

Rendering is pure Python and linear in the body, but a long hostile body still costs up to a
few hundred milliseconds: in the loop, that would be a stall for every client, and a thread
would not help (it holds the GIL). A body may use `deadline_s` of its worker's CPU time; one
that needs more is shown as plain text (`fallback_text`), as it is when rendering fails. A
worker that does not answer within `WALL_CLOCK_FACTOR` times the deadline (stuck, or starved
of CPU) is killed and replaced. Workers start when first needed, and again after they die.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

import structlog

from hub.post_text import PostText, fallback_text, post_text
from hub.render_worker import FRAME_HEADER, READY, decode_text, frame, frame_length

log = structlog.get_logger(__name__)

# Up to this many characters a body costs at most a few milliseconds to render in the loop
# (a run of `![`, the costliest markup, about 12 µs a character: 3 ms here), unless it has a
# table, whose filled-in cells grow with its columns times its rows (12 ms for 256 of them).
IN_LOOP_CHARS = 256
START_TIMEOUT_S = 30.0  # a worker's imports, on a machine as busy as it gets
WALL_CLOCK_FACTOR = 10
STOP_TIMEOUT_S = 2.0


def renders_in_loop(body: str) -> bool:
    return len(body) <= IN_LOOP_CHARS and "|" not in body


class RenderPool:
    """`workers` processes rendering bodies one at a time each; a body that waits for one
    waits its turn, and then has `deadline_s` seconds of the worker's CPU time."""

    def __init__(self, workers: int, deadline_s: float) -> None:
        self._workers = [_Worker(deadline_s) for _ in range(workers)]
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        for worker in self._workers:
            self._idle.put_nowait(worker)

    async def post_text(self, body: str) -> PostText:
        """The HTML, mentions and snippet of `body` (`hub.post_text.post_text`), or its plain
        text when a worker could not render it in time."""
        if renders_in_loop(body):
            return post_text(body)
        worker = await self._idle.get()
        try:
            return await worker.post_text(body)
        finally:
            self._idle.put_nowait(worker)

    async def close(self) -> None:
        await asyncio.gather(*(worker.stop() for worker in self._workers))


class _Worker:
    """One worker process, started when first needed, and again after it is killed."""

    def __init__(self, deadline_s: float) -> None:
        self._deadline_s = deadline_s
        self._process: asyncio.subprocess.Process | None = None
        self._killed: list[asyncio.subprocess.Process] = []

    async def post_text(self, body: str) -> PostText:
        try:
            process = await self._started()
        except (OSError, EOFError, TimeoutError) as exc:
            log.error("render_worker_not_started", error=str(exc) or type(exc).__name__)
            return fallback_text(body)
        assert process.stdin is not None and process.stdout is not None
        try:
            async with asyncio.timeout(self._deadline_s * WALL_CLOCK_FACTOR):
                process.stdin.write(frame(body.encode()))
                await process.stdin.drain()
                answer = await _read_frame(process.stdout)
        except TimeoutError:
            log.error("render_worker_stuck", seconds=self._deadline_s * WALL_CLOCK_FACTOR)
            self._kill()
            return fallback_text(body)
        except (OSError, EOFError) as exc:
            log.error("render_worker_died", error=str(exc) or type(exc).__name__)
            self._kill()
            return fallback_text(body)
        except BaseException:  # cancelled mid-body: its answer must not go to the next one
            self._kill()
            raise
        text = decode_text(answer)
        if isinstance(text, str):
            log.warning("render_failed", error=text, chars=len(body))
            return fallback_text(body)
        return text

    async def stop(self) -> None:
        """End the process (it exits when its stdin closes) and reap the killed ones."""
        process, self._process = self._process, None
        if process is not None and process.stdin is not None:
            process.stdin.close()
            try:
                async with asyncio.timeout(STOP_TIMEOUT_S):
                    await process.wait()
            except TimeoutError:
                self._killed.append(process)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
        await self._reap()

    async def _started(self) -> asyncio.subprocess.Process:
        await self._reap()
        if self._process is not None and self._process.returncode is None:
            return self._process
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "hub.render_worker",
            str(self._deadline_s),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        self._process = process
        try:
            assert process.stdout is not None
            async with asyncio.timeout(START_TIMEOUT_S):
                if await _read_frame(process.stdout) != READY:
                    raise EOFError("the render worker did not say it was ready")
        except BaseException:
            self._kill()
            raise
        return process

    def _kill(self) -> None:
        """Kill the process, whatever it was doing; `_reap` waits for it."""
        process, self._process = self._process, None
        if process is not None:
            self._killed.append(process)
            with contextlib.suppress(ProcessLookupError):
                process.kill()

    async def _reap(self) -> None:
        while self._killed:
            await self._killed.pop().wait()


async def _read_frame(stream: asyncio.StreamReader) -> bytes:
    try:
        header = await stream.readexactly(FRAME_HEADER)
        return await stream.readexactly(frame_length(header))
    except asyncio.IncompleteReadError:
        raise EOFError("the render worker exited") from None
