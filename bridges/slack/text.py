"""Hub markdown ↔ Slack mrkdwn, as pure functions.

Outbound (`to_slack`): every piece of user text has `&`, `<` and `>` escaped as entities, code
included (Slack decodes them there too), so a hub user who types `<!channel>`, `<!here>` or
`<@U123>` pings nobody; the only `<…>` in the result are the bridge's own: `<@U…>` for a
mention of a user with a linked Slack identity, and `<url>` / `<url|label>` for a link the hub
shows. A room-wide mention (`@room`, `@here`…) goes out as plain text, which Slack shows but
does not notify on (posts are sent without `link_names`): only translated mentions ping.

Inbound (`from_slack`): `<@U123>` of a linked user becomes `@alice` and notifies them; an
unknown user shows by name ("@Carol", from `<@U…|name>` or the `names` lookup, else "@U123")
without notifying anyone in the hub, and `<!here>`, `<!channel>`, `<!everyone>` show as
"@here"… but notify nobody either (see `bridges.text` for how: a WORD JOINER after the `@`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bridges.text import (
    CodeBlock,
    CodeSpan,
    HubBody,
    LineStart,
    Link,
    Lookup,
    Mention,
    RoomMention,
    Segment,
    Style,
    Text,
    look_up,
    segments,
)
from hub.markdown import is_safe_url
from hub.mentions import parse_mentions


@dataclass(frozen=True, slots=True)
class SlackText:
    text: str
    user_ids: list[str]  # the Slack users it pings, each once


@dataclass(frozen=True, slots=True)
class HubText:
    body: str
    usernames: list[str]  # the hub users it mentions, each once (lower-cased)


_MARKS = {"strong": "*", "em": "_", "strike": "~", "heading": "*"}
_NO_NAMES: Mapping[str, str] = {}


def escape(text: str) -> str:
    """Slack's own escaping: the only three characters its message text needs escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_slack(body: str, slack_ids: Lookup) -> SlackText:
    """A hub body as Slack mrkdwn; `slack_ids` maps a hub username to a Slack user id."""
    out: list[str] = []
    pinged: list[str] = []
    for index, part in enumerate(segments(body)):
        if isinstance(part, Mention) and (slack_id := look_up(slack_ids, part.username)):
            out.append(f"<@{slack_id}>")
            if slack_id not in pinged:
                pinged.append(slack_id)
        else:
            out.append(_render(part, first=index == 0))
    return SlackText("".join(out), pinged)


def _render(part: Segment, *, first: bool) -> str:
    if isinstance(part, Text):
        return escape(part.text)
    if isinstance(part, Mention | RoomMention):
        return escape(part.written)
    if isinstance(part, CodeSpan):
        return f"`{escape(part.code)}`"
    if isinstance(part, CodeBlock):
        code = part.code if part.code.endswith("\n") else part.code + "\n"
        return f"```\n{escape(code)}```"
    if isinstance(part, Link):
        return _link(part)
    if isinstance(part, Style):
        return _MARKS[part.kind]
    return _line_start(part, first=first)


def _link(link: Link) -> str:
    if not is_safe_url(link.url):  # the parser links no other; a renderer never trusts that
        return escape(link.label)
    url = escape(link.url).replace("|", "%7C")
    if not link.label or link.label == link.url:
        return f"<{url}>"
    return f"<{url}|{escape(link.label)}>"


def _line_start(line: LineStart, *, first: bool) -> str:
    """Slack has one level of quote, no list markup: bullets are typed as "• "."""
    prefix = "" if first else "\n\n" if line.gap else "\n"
    if line.quote:
        prefix += "> "
    if line.marker:
        indent = "    " * (line.depth - 1)
        return prefix + indent + ("• " if line.marker == "-" else line.marker + " ")
    return prefix + "    " * line.depth


# Slack → hub. What Slack sends is text with `&amp; &lt; &gt;` escaped, `<…>` for its own
# constructs, mrkdwn emphasis, and code in backticks (no emphasis or `<…>` inside).
_PIECES = re.compile(r"```(?P<block>.*?)```|`(?P<code>[^`\n]+)`|<(?P<control>[^<>\n]*)>", re.S)
_ROOM_COMMANDS = frozenset({"here", "channel", "everyone"})
_QUOTE_PREFIX = re.compile(r"&gt; ?")
_BULLET_PREFIX = re.compile(r"[•◦▪] ")
_MARKERS = {"*": "**", "_": "*", "~": "~~"}


def from_slack(text: str, usernames: Lookup, names: Lookup = _NO_NAMES) -> HubText:
    """A Slack message's text as a hub body. `usernames` maps a Slack user id to the hub
    username of its linked identity; `names` maps a Slack user id to a display name.

    The body is checked with the hub's own mention parser: should a corner of markdown make
    it read a mention the bridge did not translate (a bare URL running into code), the body
    is built again with every `@` in code and URLs defused; the usernames returned are the
    ones the hub will notify."""
    body = _hub_body(text, usernames, names, strict=False)
    hub = parse_mentions(body.text())
    if hub.room or not hub.usernames <= set(body.usernames):
        body = _hub_body(text, usernames, names, strict=True)
        hub = parse_mentions(body.text())
    return HubText(body.text(), [name for name in body.usernames if name in hub.usernames])


def _hub_body(text: str, usernames: Lookup, names: Lookup, *, strict: bool) -> HubBody:
    body = HubBody(strict=strict)
    pieces = list(_split(text))
    pairs = _emphasis_pairs(pieces)
    for index, (kind, value) in enumerate(pieces):
        if kind == "text":
            _text(body, value, {at: mark for (piece, at), mark in pairs.items() if piece == index})
        elif kind == "block":
            body.code_block(html.unescape(value.removeprefix("\n")))
        elif kind == "code":
            body.code_span(_unescape(value))
        else:
            _control(body, value, usernames, names)
    return body


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _split(text: str) -> Iterator[tuple[str, str]]:
    """("text" | "block" | "code" | "control", raw value) pieces, in order."""
    end = 0
    for match in _PIECES.finditer(text):
        if match.start() > end:
            yield "text", text[end : match.start()]
        kind = match.lastgroup or "text"
        yield kind, match.group(kind)
        end = match.end()
    if end < len(text):
        yield "text", text[end:]


def _emphasis_pairs(pieces: list[tuple[str, str]]) -> dict[tuple[int, int], str]:
    """Which `*`, `_`, `~` in text pieces open or close emphasis, as Slack reads them: an
    opener follows no letter or digit and precedes no space, a closer the reverse, both on
    one line. Keys are (piece index, offset); code and `<…>` count as letters around them."""
    open_at: dict[str, tuple[int, int]] = {}
    pairs: dict[tuple[int, int], str] = {}
    for index, (kind, value) in enumerate(pieces):
        if kind == "block":
            open_at.clear()
        if kind != "text":
            continue
        before_piece = "a" if index else " "
        for at, char in enumerate(value):
            if char == "\n":
                open_at.clear()
                continue
            if char not in _MARKERS:
                continue
            prev = value[at - 1] if at else before_piece
            nxt = (
                value[at + 1] if at + 1 < len(value) else ("a" if index + 1 < len(pieces) else " ")
            )
            # empty emphasis is none (and `~~~~` would open a code block in the hub)
            if char in open_at and open_at[char] != (index, at - 1) and _closes(prev, nxt):
                pairs[open_at.pop(char)] = _MARKERS[char]
                pairs[(index, at)] = _MARKERS[char]
            elif _opens(prev, nxt):
                open_at[char] = (index, at)
    return pairs


def _opens(prev: str, nxt: str) -> bool:
    return not prev.isalnum() and not nxt.isspace()


def _closes(prev: str, nxt: str) -> bool:
    return not prev.isspace() and not nxt.isalnum()


def _text(body: HubBody, raw: str, marks: dict[int, str]) -> None:
    """A piece of Slack text: quote and bullet prefixes at line starts, emphasis, literals."""
    start = 0
    at_line_start = body.at_line_start()
    for at, char in enumerate(raw):
        if at_line_start:
            start = _line_prefix(body, raw, at)
            at_line_start = False
        if at < start:
            continue
        if at in marks:
            body.literal(_unescape(raw[start:at]))
            body.markup(marks[at])
            start = at + 1
        elif char == "\n":
            body.literal(_unescape(raw[start : at + 1]))
            start, at_line_start = at + 1, True
    body.literal(_unescape(raw[start:]))


def _line_prefix(body: HubBody, raw: str, at: int) -> int:
    """Turn a Slack quote (`&gt; `) or bullet (`• `) at `raw[at]` into hub markdown."""
    for pattern, markdown in ((_QUOTE_PREFIX, "> "), (_BULLET_PREFIX, "- ")):
        match = pattern.match(raw, at)
        if match is not None:
            body.markup(markdown, line_prefix=True)
            return match.end()
    return at


def _control(body: HubBody, value: str, usernames: Lookup, names: Lookup) -> None:
    """A `<…>` construct: a user, channel, special mention, or link."""
    target, _, label = value.partition("|")
    label = _unescape(label)
    if target.startswith("@"):
        user_id = target[1:]
        username = look_up(usernames, user_id)
        if username:
            body.mention(username)
        else:
            body.literal("@" + (label or look_up(names, user_id) or user_id))
    elif target.startswith("#"):
        body.literal("#" + (label or target[1:]))
    elif target.startswith("!"):
        command = target[1:].split("^", 1)[0]
        body.literal("@" + command if command in _ROOM_COMMANDS else label or command)
    else:
        url = _unescape(target)
        if is_safe_url(url):
            body.link(url, label)
        else:
            body.literal(label or url)
