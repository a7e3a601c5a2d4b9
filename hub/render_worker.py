"""A process that renders post bodies for `hub.render_pool`:
`python -m hub.render_worker CPU_SECONDS`.

It reads bodies from stdin and writes each one's `PostText` to stdout, one frame each way (a
4-byte big-endian length, then the payload: the body as UTF-8; the text as a JSON array, or
`{"error": …}` when rendering raised or used more than CPU_SECONDS of CPU time). It starts by
writing `READY`, once the parser has run once (its patterns compiled), and ends when stdin
does. It runs at a lower priority than the hub, so that a busy worker takes CPU from nothing
but other workers; the limit counts the CPU it got, not the time it waited for it.
"""

from __future__ import annotations

import os
import signal
import struct
import sys
from types import FrameType
from typing import BinaryIO

import orjson

from hub.mentions import MentionSet
from hub.post_text import PostText, post_text

READY = b"ready"
NICENESS = 10
_LENGTH = struct.Struct(">I")
FRAME_HEADER = _LENGTH.size
_WARM_UP = "warm *up* `x` [a](http://b.c) www.d.e f@g.h @i | j\n|-|\n"


class OverTime(Exception):
    """A body used up its CPU time (raised by the SIGPROF timer, wherever the parser was)."""


def frame(payload: bytes) -> bytes:
    return _LENGTH.pack(len(payload)) + payload


def frame_length(header: bytes) -> int:
    (length,) = _LENGTH.unpack(header)
    return int(length)


def encode_text(text: PostText) -> bytes:
    usernames = sorted(text.mentions.usernames)
    return orjson.dumps([text.html, usernames, text.mentions.room, text.snippet])


def decode_text(payload: bytes) -> PostText | str:
    """The text a worker sent, or the error it reported."""
    data = orjson.loads(payload)
    if isinstance(data, dict):
        return str(data["error"])
    html, usernames, room, snippet = data
    return PostText(html, MentionSet(frozenset(usernames), room), snippet)


def rendered(body: str, cpu_seconds: float) -> bytes:
    """The answer to `body`: its text, or why there is none."""
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    try:
        return encode_text(post_text(body))
    except OverTime:
        return orjson.dumps({"error": f"over {cpu_seconds:g} s of CPU time"})
    except Exception as exc:  # reported, and the hub shows the body as plain text
        return orjson.dumps({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def serve(source: BinaryIO, sink: BinaryIO, cpu_seconds: float) -> None:
    """Answer every body framed on `source` with its text framed on `sink`, until EOF."""
    signal.signal(signal.SIGPROF, _over_time)
    post_text(_WARM_UP)
    sink.write(frame(READY))
    sink.flush()
    while len(header := source.read(FRAME_HEADER)) == FRAME_HEADER:
        body = source.read(frame_length(header)).decode()
        sink.write(frame(rendered(body, cpu_seconds)))
        sink.flush()


def _over_time(signum: int, frame: FrameType | None) -> None:
    raise OverTime


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the hub, which closes stdin
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    serve(sys.stdin.buffer, sys.stdout.buffer, float(sys.argv[1]))


if __name__ == "__main__":
    main()
