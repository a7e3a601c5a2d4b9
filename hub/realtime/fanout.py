"""Per-stream fan-out inside one process, in seq order, with replay for `since`.

For each stream with local subscribers a channel keeps `head`, the last seq delivered in
order. Broker messages may arrive late, twice or out of order (several writers, several
processes); the channel delivers each seq once, in order, and fills a gap it cannot wait out
from the event log. A subscriber joining with `since` is sent the stored events first, with
live events held back meanwhile, so it sees no gap and no duplicate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field

import structlog

from hub.broker import Broker, BrokerMessage
from hub.db.engine import Database
from hub.db.event_log import events_after, last_seq
from hub.frames import event_frame, reset_frame, subscribed_frame
from hub.realtime.connection import Connection, text_frame

log = structlog.get_logger(__name__)

GAP_WAIT_S = 0.25


@dataclass(eq=False, slots=True)
class Channel:
    """One stream's local subscribers. There is one per user with a socket (their `user:`
    stream), so it is kept small: `opening` is dropped once the head is known."""

    stream: str
    head: int = 0
    opening: asyncio.Event | None = field(default_factory=asyncio.Event)
    live: dict[Connection, None] = field(default_factory=dict)
    replaying: dict[Connection, list[tuple[int, bytes]]] = field(default_factory=dict)
    early: dict[int, bytes] = field(default_factory=dict)
    gap_filler: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        """Whether the head is known (the broker subscription and the log read are done)."""
        return self.opening is None

    async def wait_ready(self) -> None:
        if self.opening is not None:
            await self.opening.wait()

    def set_ready(self) -> None:
        opening, self.opening = self.opening, None
        if opening is not None:
            opening.set()

    def broadcast(self, frame: bytes, seq: int | None) -> int:
        """Write `frame` to every live subscriber, hold it for those being replayed to; how
        many it was written to."""
        if self.live:
            wire = text_frame(frame)
            for connection in self.live:
                connection.write(wire)
        if seq is not None:
            for held in self.replaying.values():
                held.append((seq, frame))
        return len(self.live)

    @property
    def empty(self) -> bool:
        return not self.live and not self.replaying


class Fanout:
    """The channels of this process; what they did is counted in plain integers (a lock or a
    call per delivery would cost the hot path), which /metrics reads when scraped."""

    def __init__(self, broker: Broker, database: Database, *, replay_limit: int) -> None:
        self._broker = broker
        self._database = database
        self._replay_limit = replay_limit
        self._channels: dict[str, Channel] = {}
        self.delivered = 0  # live frames (events, typing, presence) written to sockets
        self.replays = 0  # subscribes with `since` answered from storage
        self.replayed_events = 0
        self.resets = 0  # subscribes with `since` answered by `reset`
        self.gap_fills = 0  # reads of the log that filled a gap the broker left

    def deliver(self, message: BrokerMessage) -> None:
        """Take one broker message (called on the event loop, never awaits): the broker's
        deliver, through hub.realtime.revoker, which keeps revocations for itself."""
        channel = self._channels.get(message.stream)
        if channel is None:
            return
        if message.seq is None:
            self.delivered += channel.broadcast(message.frame, None)
        elif not channel.ready or message.seq > channel.head + 1:
            channel.early[message.seq] = message.frame
            self._watch_gap(channel)
        elif message.seq == channel.head + 1:
            self._advance(channel, message.seq, message.frame)

    def online(self, stream: str) -> list[str]:
        """Usernames with a socket on `stream` in this process."""
        channel = self._channels.get(stream)
        if channel is None:
            return []
        return sorted({connection.viewer.username for connection in channel.live})

    def subscribers(self, stream: str) -> list[Connection]:
        """The sockets on `stream` in this process, live or still being replayed to."""
        channel = self._channels.get(stream)
        return [] if channel is None else [*channel.live, *channel.replaying]

    def subscriptions(self) -> Iterator[tuple[str, int]]:
        """Each open stream and how many sockets are on it (live or being replayed to)."""
        for stream, channel in self._channels.items():
            yield stream, len(channel.live) + len(channel.replaying)

    async def join(self, connection: Connection, stream: str, since: int | None) -> None:
        """Subscribe `connection`: replay after `since`, then `subscribed`, then live events."""
        channel = await self._open(stream)
        self.leave(connection, stream, close_empty=False)
        try:
            if since is None or since == channel.head:
                self._go_live(channel, connection, channel.head if since is None else since, [])
                return
            held: list[tuple[int, bytes]] = []
            channel.replaying[connection] = held
            try:
                reached = await self._replay(connection, stream, since, channel.head)
            finally:
                still_joining = channel.replaying.pop(connection, None) is held
            if connection.closing or not still_joining:  # closed, or revoked meanwhile
                return
            if reached is None:
                self.resets += 1
                connection.send(reset_frame(stream))
                self._go_live(channel, connection, channel.head, [])
            else:
                self.replays += 1
                self._go_live(channel, connection, reached, held)
        finally:
            if channel.empty:
                self._close(channel)

    def leave(self, connection: Connection, stream: str, *, close_empty: bool = True) -> bool:
        """Take `connection` off `stream`; whether it was on it (or joining it)."""
        channel = self._channels.get(stream)
        if channel is None:
            return False
        was_live = connection in channel.live
        channel.live.pop(connection, None)
        was_replaying = channel.replaying.pop(connection, None) is not None
        connection.left(stream)
        if close_empty and channel.empty and channel.ready:
            self._close(channel)
        return was_live or was_replaying

    def leave_all(self, connection: Connection) -> None:
        for stream in connection.streams:
            self.leave(connection, stream)

    async def close(self) -> None:
        for channel in list(self._channels.values()):
            self._close(channel)

    async def _open(self, stream: str) -> Channel:
        """The ready channel of `stream`, opened (broker subscription, head from the log) once."""
        for _attempt in range(3):
            channel = self._channels.get(stream) or await self._create(stream)
            await channel.wait_ready()
            if self._channels.get(stream) is channel:
                return channel
        raise ConnectionError(f"could not open {stream}")

    async def _create(self, stream: str) -> Channel:
        channel = Channel(stream)
        self._channels[stream] = channel
        try:
            await self._broker.subscribe(stream)
            async with self._database.read() as session:
                channel.head = await last_seq(session, stream)
        except BaseException:
            self._channels.pop(stream, None)
            raise
        finally:
            channel.set_ready()
        self._drain_early(channel)
        return channel

    async def _replay(
        self, connection: Connection, stream: str, since: int, until: int
    ) -> int | None:
        """Send the stored events since < seq <= until and return the seq reached, or None
        when they cannot all be replayed (too many, no longer stored, or `since` is ahead of
        the stream). A `since` ahead of this process but not of storage waits for live events."""
        if until - since > self._replay_limit:
            return None
        async with self._database.read() as session:
            if since > until:
                return since if since <= await last_seq(session, stream) else None
            events = await events_after(session, stream, since, until=until, limit=until - since)
        if len(events) != until - since or events[0].seq != since + 1:
            return None
        for event in events:
            await connection.send_paced(event_frame(event))
        self.replayed_events += len(events)
        return until

    def _go_live(
        self, channel: Channel, connection: Connection, seq: int, held: list[tuple[int, bytes]]
    ) -> None:
        connection.send(subscribed_frame(channel.stream, seq))
        for held_seq, frame in held:
            if held_seq > seq:
                connection.send(frame)
                self.delivered += 1
        channel.live[connection] = None
        connection.joined(channel.stream)

    def _advance(self, channel: Channel, seq: int, frame: bytes) -> None:
        channel.head = seq
        self.delivered += channel.broadcast(frame, seq)
        self._drain_early(channel)

    def _drain_early(self, channel: Channel) -> None:
        early = channel.early
        for seq in [seq for seq in early if seq <= channel.head]:
            del early[seq]
        while (frame := early.pop(channel.head + 1, None)) is not None:
            channel.head += 1
            self.delivered += channel.broadcast(frame, channel.head)

    def _watch_gap(self, channel: Channel) -> None:
        if channel.gap_filler is None or channel.gap_filler.done():
            channel.gap_filler = asyncio.get_running_loop().create_task(self._fill_gap(channel))

    async def _fill_gap(self, channel: Channel) -> None:
        """Wait briefly for late messages; then read what is still missing from the log."""
        while channel.early and self._channels.get(channel.stream) is channel:
            await asyncio.sleep(GAP_WAIT_S)
            await channel.wait_ready()
            if not channel.early:
                return
            first_early = min(channel.early)
            try:
                async with self._database.read() as session:
                    missing = await events_after(
                        session,
                        channel.stream,
                        channel.head,
                        until=first_early - 1,
                        limit=first_early - 1 - channel.head,
                    )
            except Exception:
                log.exception("gap fill failed", stream=channel.stream)
                continue
            head = channel.head
            for event in missing:
                if event.seq == channel.head + 1:
                    self._advance(channel, event.seq, event_frame(event))
            if channel.head > head:
                self.gap_fills += 1

    def _close(self, channel: Channel) -> None:
        if self._channels.get(channel.stream) is not channel:
            return  # closed already (a revocation can empty a channel while it replays), and
            # unsubscribing again could end the subscription of a newer channel of the stream
        del self._channels[channel.stream]
        if channel.gap_filler is not None:
            channel.gap_filler.cancel()
        for connection in list(channel.live):
            connection.left(channel.stream)
        asyncio.get_running_loop().create_task(self._broker.unsubscribe(channel.stream))
