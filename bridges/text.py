"""Platform-neutral text translation between hub markdown and a chat platform's markup.

Outbound, `segments(body)` reads a hub body with the hub's own parser (`hub.markdown.PARSER`)
and mention rules (`hub.mentions`) into a flat list of segments; a platform's renderer only
says how each kind of segment looks there, so what is code, a link or a mention is decided
once, here, exactly as the hub decides it for its own readers and notifications.

Inbound, `HubBody` builds a hub body piece by piece: text the platform showed literally is
escaped so that it stays literal in the hub (no markdown, no code, and no `@name` that would
notify anyone), and only the mentions the bridge translated notify. A would-be mention is
defused by a WORD JOINER (U+2060) after its `@`: invisible, it keeps the line unbroken, and
the hub's rules do not see a name after it. So `<!here>` from a platform becomes "@\u2060here"
in the hub, shown as "@here" but notifying nobody.

Room-wide mentions (`@room`, `@here`, `@channel`, `@everyone`) are their own segment kind; the
Slack renderer sends them as plain text, since only translated user mentions may ping (DESIGN §7).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from markdown_it.token import Token

from hub.markdown import PARSER, plain_text
from hub.mentions import ROOM_MENTIONS, mention_at, mention_spans

NO_PING = "\u2060"  # WORD JOINER: after an `@`, the hub's rules see no name

# A platform id ↔ hub username table, as the bridge has it: a mapping or a function.
Lookup = Callable[[str], str | None] | Mapping[str, str]


def look_up(table: Lookup, key: str) -> str | None:
    return table.get(key) if isinstance(table, Mapping) else table(key)


@dataclass(frozen=True, slots=True)
class Text:
    """Literal text: markdown escapes and entities already resolved."""

    text: str


@dataclass(frozen=True, slots=True)
class Mention:
    """`@alice`: `username` lower-cased, `written` as the author typed it (with the `@`)."""

    username: str
    written: str


@dataclass(frozen=True, slots=True)
class RoomMention:
    """`@room`, `@here`, `@channel` or `@everyone`: the whole room in the hub."""

    name: str
    written: str


@dataclass(frozen=True, slots=True)
class CodeSpan:
    code: str


@dataclass(frozen=True, slots=True)
class CodeBlock:
    code: str
    info: str


@dataclass(frozen=True, slots=True)
class Link:
    """A link the hub shows: `url` passed the hub's safe-URL check; `label` is its text."""

    url: str
    label: str


StyleKind = Literal["strong", "em", "strike", "heading"]


@dataclass(frozen=True, slots=True)
class Style:
    kind: StyleKind
    opening: bool
    level: int = 0  # a heading's level


@dataclass(frozen=True, slots=True)
class LineStart:
    """Starts each output line: `quote` depth, list `depth`, the list `marker` ("-", "3.")
    on an item's first line, and `gap` when the author left a blank line before it."""

    quote: int = 0
    depth: int = 0
    marker: str = ""
    gap: bool = False


Segment = Text | Mention | RoomMention | CodeSpan | CodeBlock | Link | Style | LineStart

_STYLES: dict[str, StyleKind] = {"strong": "strong", "em": "em", "s": "strike"}


def segments(body: str) -> list[Segment]:
    """The hub body as segments, in reading order; the first is always a `LineStart`."""
    return list(_Reader(body).read())


def mentioned_usernames(parts: Sequence[Segment]) -> list[str]:
    """The users the segments mention, each once, in order of first mention."""
    return list(dict.fromkeys(part.username for part in parts if isinstance(part, Mention)))


class _Reader:
    """Walks the block tokens, keeping the quote and list context each line starts in."""

    def __init__(self, body: str) -> None:
        self._tokens = PARSER.parse(body)
        self._names = {name for _, _, name in mention_spans(body, self._tokens)}
        self._quote = 0
        self._lists: list[str] = []  # the marker style of each open list: "-" or "." / ")"
        self._marker = ""
        self._last_line = -1  # the source line the previous block ended on

    def read(self) -> Iterator[Segment]:
        started = False
        first_cell = False
        previous = ""
        for token in self._tokens:
            kind = token.type
            if kind in ("paragraph_open", "heading_open", "fence", "code_block", "hr", "tr_open"):
                # a table's rows follow one another, whatever lines its delimiter row took
                next_row = kind == "tr_open" and previous != "thead_open"
                yield self._line_start(token, gap_allowed=started and not next_row)
                started, first_cell = True, True
            if kind == "blockquote_open":
                self._quote += 1
            elif kind == "blockquote_close":
                self._quote -= 1
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self._lists.append(token.markup if kind == "ordered_list_open" else "-")
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self._lists.pop()
            elif kind == "list_item_open":
                style = self._lists[-1] if self._lists else "-"
                self._marker = "-" if style == "-" else f"{token.info}{style}"
            elif kind in ("heading_open", "heading_close"):
                yield Style("heading", kind == "heading_open", int(token.tag[1:]))
            elif kind in ("td_open", "th_open"):
                if not first_cell:
                    yield Text(" | ")
                first_cell = False
            else:
                yield from self._block(token)
            previous = kind
        if not started:
            yield LineStart()

    def _line_start(self, token: Token, *, gap_allowed: bool) -> LineStart:
        gap = False
        if token.map is not None:
            gap = gap_allowed and token.map[0] > self._last_line
            self._last_line = token.map[1]
        marker, self._marker = self._marker, ""
        depth = len(self._lists)
        return LineStart(self._quote, depth, marker, gap)

    def _block(self, token: Token) -> Iterator[Segment]:
        if token.type == "inline":
            yield from self._inline(token.children or [])
        elif token.type in ("fence", "code_block"):
            yield CodeBlock(token.content, token.info.strip())
        elif token.type == "hr":
            yield Text("---")

    def _inline(self, children: Sequence[Token]) -> Iterator[Segment]:
        before = "\n"  # the source character before the current token, for mention rules
        index = 0
        while index < len(children):
            token = children[index]
            kind = token.type
            if kind == "text":
                yield from self._text(token.content, before)
                before = token.content[-1:] or before
            elif kind == "code_inline":
                yield CodeSpan(token.content)
                before = "`"
            elif kind in ("softbreak", "hardbreak"):
                yield LineStart(self._quote, len(self._lists))
                before = "\n"
            elif kind == "link_open":
                end = _link_end(children, index)
                yield Link(str(token.attrGet("href") or ""), plain_text(children[index + 1 : end]))
                index, before = end, ")"
            elif kind.removesuffix("_open") in _STYLES or kind.removesuffix("_close") in _STYLES:
                opening = kind.endswith("_open")
                name = kind.removesuffix("_open" if opening else "_close")
                yield Style(_STYLES[name], opening)
                before = token.markup[-1:] or before
            elif token.content:
                yield Text(token.content)
                before = token.content[-1]
            index += 1

    def _text(self, text: str, before: str) -> Iterator[Segment]:
        """Split text at the mentions the hub counts in the body (`self._names`)."""
        source = before + text
        start = 0
        at = text.find("@")
        while at != -1:
            name = mention_at(source, at + 1)
            if name is not None and name.lower() in self._names:
                if at > start:
                    yield Text(text[start:at])
                written = text[at : at + 1 + len(name)]
                lower = name.lower()
                yield (
                    RoomMention(lower, written)
                    if lower in ROOM_MENTIONS
                    else Mention(lower, written)
                )
                start = at + len(written)
            at = text.find("@", max(at + 1, start))
        if start < len(text):
            yield Text(text[start:])


def _link_end(children: Sequence[Token], start: int) -> int:
    """The index of the `link_close` matching the `link_open` at `start`."""
    depth = 0
    for index in range(start, len(children)):
        if children[index].type == "link_open":
            depth += 1
        elif children[index].type == "link_close":
            depth -= 1
            if depth == 0:
                return index
    return len(children) - 1


# Inbound: building a hub body from a platform's message.

_INLINE_SPECIAL = re.compile(r"[\\`*_~\[\]<>&|]")
_LINE_START_SPECIAL = re.compile(r"^ {0,3}(?:[#>+=-]|\d{1,9}(?=[.)]))")
_CODE_INDENT = re.compile(r" {0,3}\t| {4}")
_URL_UNSAFE = re.compile(r"[\x00-\x20<>\\\x7f]")
_JOINS_NAME = re.compile(r"[\w./-]")  # a character an `@` may not follow, or a name run into


def escape_markdown(text: str, *, line_start: bool) -> str:
    """`text` as hub markdown that shows exactly `text`: no emphasis, code, link, entity,
    table or (at the start of a line) heading, quote or list."""
    escaped = _INLINE_SPECIAL.sub(lambda match: "\\" + match.group(), text)
    lines = escaped.split("\n")
    for index, line in enumerate(lines):
        if index or line_start:
            lines[index] = _escape_line_start(line)
    return "\n".join(lines)


def _escape_line_start(line: str) -> str:
    if _CODE_INDENT.match(line):  # not an indented code block: a line starting with text
        return NO_PING + line
    match = _LINE_START_SPECIAL.match(line)
    if match is None:
        return line
    if match.group()[-1].isdigit():  # "1. " → "1\. "
        return line[: match.end()] + "\\" + line[match.end() :]
    return line[: match.end() - 1] + "\\" + line[match.end() - 1 :]


def defuse_mentions(text: str, before: str) -> str:
    """`text` with a WORD JOINER after each `@` that the hub would read as a mention,
    `before` being the character the text follows."""
    source = before + text
    out: list[str] = []
    start = 0
    for index, char in enumerate(text):
        if char == "@" and mention_at(source, index + 1) is not None:
            out.append(text[start : index + 1] + NO_PING)
            start = index + 1
    out.append(text[start:])
    return "".join(out)


def code_span(code: str) -> str:
    """`code` as a hub code span: a backtick fence longer than any run of them inside."""
    longest = max((len(run) for run in re.findall("`+", code)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if code.startswith(("`", " ")) or code.endswith(("`", " ")) else ""
    return f"{fence}{pad}{code}{pad}{fence}"


def code_block(code: str) -> str:
    """`code` as a fenced hub code block, on lines of its own."""
    longest = max((len(run) for run in re.findall("^`+", code, re.MULTILINE)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{code.rstrip(chr(10))}\n{fence}"


class HubBody:
    """A hub body assembled from literal text, markup the bridge chose, and mentions."""

    def __init__(self, *, strict: bool = False) -> None:
        self._strict = strict  # defuse every `@` in code and URLs as well
        self._parts: list[str] = []
        self._mention_next = False  # the last part is a translated mention
        self._line_start = True  # nothing but line prefixes on the current line yet
        self.usernames: list[str] = []

    def _last(self) -> str:
        return self._parts[-1][-1:] if self._parts else "\n"

    def _add(self, part: str, *, line_prefix: bool = False) -> None:
        if self._mention_next and part and _JOINS_NAME.match(part[0]):
            self._parts.append(NO_PING)  # "@alice" + "bob" must not read as "@alicebob"
        self._mention_next = False
        self._parts.append(part)
        self._line_start = line_prefix or part.endswith("\n")

    def literal(self, text: str) -> None:
        """Text the platform showed as it is."""
        if text:
            escaped = escape_markdown(text, line_start=self._line_start)
            self._add(defuse_mentions(escaped, self._last()))

    def markup(self, markdown: str, *, line_prefix: bool = False) -> None:
        """Hub markdown the bridge wrote itself: emphasis markers, code, or (`line_prefix`)
        what starts a line, such as a quote's "> ", after which text is still at line start."""
        if markdown:
            self._add(markdown, line_prefix=line_prefix)

    def mention(self, username: str) -> None:
        """A mention of a hub user, which notifies them."""
        if _JOINS_NAME.match(self._last()) or self._last() == "@":
            self._add(NO_PING)
        self._add("@" + username)
        self._mention_next = True
        if username.lower() not in self.usernames:
            self.usernames.append(username.lower())

    def at_line_start(self) -> bool:
        return self._line_start

    def code_span(self, code: str) -> None:
        """Code; the hub's bare-URL links can run into a code span and out of it again, so
        a strict body defuses the `@`s in code too."""
        self._add(code_span(code.replace("@", "@" + NO_PING) if self._strict else code))

    def code_block(self, code: str) -> None:
        """A fenced block, on lines of its own."""
        if not self._line_start:
            self._add("\n")
        self._add(code_block(code) + "\n")

    def link(self, url: str, label: str) -> None:
        """A link to a safe `url` (the caller checked); `label` is literal text."""
        dest = _URL_UNSAFE.sub(lambda match: f"%{ord(match.group()):02X}", url)
        if self._strict:
            dest = dest.replace("@", "%40")
        dest = defuse_mentions(dest, self._last()).replace(f"@{NO_PING}", "%40")
        if not label or label == url:
            self._add(f"<{dest}>")
            return
        self._add("[")
        self.literal(label)
        self._add(f"](<{dest}>)")

    def text(self) -> str:
        """The body; without the line break a closing code block leaves."""
        return "".join(self._parts).removesuffix("\n")
