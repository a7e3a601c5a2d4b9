"""The fake workspace's state: team, bot, users, channels and their messages.

Pure data and rules (no I/O): ids, the `ts` clock, posting, editing, deleting, and the
history/replies queries the Web API methods read from."""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any


class SlackError(Exception):
    """A logical Web API error: answered as HTTP 200 `{"ok": false, "error": code}`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class User:
    id: str
    name: str
    real_name: str
    team_id: str
    is_bot: bool = False
    deleted: bool = False
    image_url: str = ""


@dataclass
class Message:
    """One stored message; `thread_ts` is set on replies and on parents that have replies."""

    channel: str
    ts: str
    text: str
    user: str | None = None
    team: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    subtype: str | None = None
    thread_ts: str | None = None
    parent_user_id: str | None = None
    username: str | None = None
    icon_url: str | None = None
    icon_emoji: str | None = None
    metadata: dict[str, Any] | None = None
    blocks: list[Any] | None = None
    client_msg_id: str | None = None
    edited: dict[str, str] | None = None
    deleted: bool = False
    reply_ts: list[str] = field(default_factory=list)
    reply_users: list[str] = field(default_factory=list)
    unfurl_links: bool | None = None
    unfurl_media: bool | None = None

    @property
    def reply_count(self) -> int:
        return len(self.reply_ts)

    @property
    def author(self) -> str | None:
        """Who Slack says posted it: the user id, else the bot id (bot_message posts)."""
        return self.user or self.bot_id


@dataclass
class Channel:
    id: str
    name: str
    created: int
    is_private: bool = False
    is_im: bool = False
    dm_user: str | None = None
    archived: bool = False
    bot_member: bool = True
    messages: dict[str, Message] = field(default_factory=dict)

    @property
    def channel_type(self) -> str:
        if self.is_im:
            return "im"
        return "group" if self.is_private else "channel"


class Workspace:
    """One team with one installed app (bot user + bot token + app-level token)."""

    def __init__(self, team_name: str = "TaskFlow Fake", bot_name: str = "taskflow") -> None:
        self._ids = itertools.count(1)
        self._last_us = 0
        self.team_id = self.new_id("T")
        self.team_name = team_name
        self.app_id = self.new_id("A")
        self.bot_id = self.new_id("B")
        self.bot_token = f"xoxb-{self.team_id}-{secrets.token_hex(12)}"
        self.app_token = f"xapp-1-{self.app_id}-{secrets.token_hex(12)}"
        self.tokens_revoked = False
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.ephemerals: list[dict[str, Any]] = []
        bot = self.add_user(bot_name, real_name=bot_name, is_bot=True)
        self.bot_user_id = bot.id

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{0x10000000 + next(self._ids):08X}"

    def next_ts(self) -> str:
        """A Slack `ts`: wall-clock seconds with 6 decimals, strictly increasing."""
        self._last_us = max(time.time_ns() // 1000, self._last_us + 1)
        return f"{self._last_us // 1_000_000}.{self._last_us % 1_000_000:06d}"

    # --- seeding -------------------------------------------------------------------------

    def add_user(self, name: str, real_name: str | None = None, is_bot: bool = False) -> User:
        user_id = self.new_id("U")
        user = User(
            id=user_id,
            name=name,
            real_name=real_name or name,
            team_id=self.team_id,
            is_bot=is_bot,
            image_url=f"https://avatars.fake-slack.test/{user_id}_72.png",
        )
        self.users[user.id] = user
        return user

    def add_channel(
        self, name: str, private: bool = False, archived: bool = False, bot_member: bool = True
    ) -> Channel:
        prefix = "G" if private else "C"
        channel = Channel(
            id=self.new_id(prefix),
            name=name,
            created=int(time.time()),
            is_private=private,
            archived=archived,
            bot_member=bot_member,
        )
        self.channels[channel.id] = channel
        return channel

    def dm_channel(self, user_id: str) -> tuple[Channel, bool]:
        """The bot's IM with a user, created on first use; the flag says it already existed."""
        self.user(user_id)
        for channel in self.channels.values():
            if channel.is_im and channel.dm_user == user_id:
                return channel, True
        channel = Channel(id=self.new_id("D"), name=user_id, created=int(time.time()), is_im=True)
        channel.dm_user = user_id
        self.channels[channel.id] = channel
        return channel, False

    # --- lookups -------------------------------------------------------------------------

    def user(self, ref: str) -> User:
        """A user by id or by name."""
        if ref in self.users:
            return self.users[ref]
        for user in self.users.values():
            if user.name == ref:
                return user
        raise SlackError("user_not_found")

    def channel(self, ref: str) -> Channel:
        """A channel by id or by name (with or without `#`); a user id means the bot's DM."""
        if ref in self.channels:
            return self.channels[ref]
        if ref in self.users:
            return self.dm_channel(ref)[0]
        for channel in self.channels.values():
            if not channel.is_im and channel.name == ref.lstrip("#"):
                return channel
        raise SlackError("channel_not_found")

    def message(self, channel: Channel, ts: str) -> Message:
        found = channel.messages.get(ts)
        if found is None or found.deleted:
            raise SlackError("message_not_found")
        return found

    # --- writes --------------------------------------------------------------------------

    def store(self, message: Message, thread_ts: str | None) -> Message:
        """Store a new message; a reply to an unknown parent is posted top-level, as Slack does."""
        channel = self.channels[message.channel]
        parent = channel.messages.get(thread_ts) if thread_ts else None
        if parent is not None and parent.thread_ts not in (None, parent.ts):
            parent = channel.messages.get(parent.thread_ts)  # a reply's ts: use its parent
        if parent is not None and not parent.deleted:
            message.thread_ts = parent.ts
            message.parent_user_id = parent.author
            parent.thread_ts = parent.ts
            parent.reply_ts.append(message.ts)
            author = message.author
            if author and author not in parent.reply_users:
                parent.reply_users.append(author)
        channel.messages[message.ts] = message
        return message

    def edit(self, channel: Channel, ts: str, text: str, editor: str) -> tuple[Message, Message]:
        """Change a message's text; returns (previous copy, updated message)."""
        message = self.message(channel, ts)
        previous = _copy(message)
        message.text = text
        message.edited = {"user": editor, "ts": self.next_ts()}
        return previous, message

    def delete(self, channel: Channel, ts: str) -> Message:
        message = self.message(channel, ts)
        message.deleted = True
        if message.thread_ts and message.thread_ts != message.ts:
            parent = channel.messages.get(message.thread_ts)
            if parent is not None and ts in parent.reply_ts:
                parent.reply_ts.remove(ts)
        return message

    # --- queries -------------------------------------------------------------------------

    def live_messages(self, channel: Channel) -> list[Message]:
        """Every message not deleted, replies included, oldest first."""
        return sorted(
            (m for m in channel.messages.values() if not m.deleted), key=lambda m: ts_key(m.ts)
        )

    def history(self, channel: Channel) -> list[Message]:
        """What conversations.history lists: top-level messages and thread parents, newest first."""
        top = [
            m
            for m in self.live_messages(channel)
            if m.thread_ts in (None, m.ts) or m.subtype == "thread_broadcast"
        ]
        return list(reversed(top))

    def thread(self, channel: Channel, ts: str) -> list[Message]:
        """What conversations.replies lists: the parent, then its replies oldest first."""
        parent = channel.messages.get(ts)
        if parent is None or parent.deleted:
            raise SlackError("thread_not_found")
        if parent.thread_ts not in (None, parent.ts):
            parent = channel.messages[parent.thread_ts]
        replies = [channel.messages[r] for r in parent.reply_ts]
        return [parent, *sorted(replies, key=lambda m: ts_key(m.ts))]


def ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros.ljust(6, "0")[:6] or 0)


def _copy(message: Message) -> Message:
    return Message(
        **{
            **message.__dict__,
            "reply_ts": list(message.reply_ts),
            "reply_users": list(message.reply_users),
        }
    )
