"""Who a message mentions: `@username` and `@room` wherever a reader sees text.

This is the one place that knows the rules (DESIGN §4 "Mentions"):
- a name is `[A-Za-z0-9_.-]{1,32}`, compared lower-cased; trailing `.` and `-` end it, so
  `@bob.` and `@bob...` mention bob while `@bob.smith` mentions bob.smith;
- an `@` right after a letter, digit or one of `_ . - /` starts nothing (`bob@example.com`,
  `x@bob`, `https://host/@bob`); a name running straight into a non-ASCII letter or digit
  (`@zoë`) is not a mention, nor is a name longer than 32 characters;
- `@room`, `@here`, `@channel` and `@everyone` (any case) address the whole room;
- nothing inside code counts: code spans of any backtick count, fenced and indented code
  blocks. Code is found by the same markdown parse the renderer uses (`hub.markdown.PARSER`),
  and only text that markdown shows counts (not, say, a link reference definition's URL).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it.token import Token

from hub.markdown import PARSER
from hub.mention_marks import MENTION as _MENTION
from hub.mention_marks import mention_name
from hub.render import is_plain_line

ROOM_MENTIONS = frozenset({"room", "here", "channel", "everyone"})
_AT = re.compile("@")
_NEWLINE = re.compile(r"\r\n?|\n")  # the line breaks markdown-it counts lines by


@dataclass(frozen=True)
class MentionSet:
    usernames: frozenset[str]
    room: bool


NO_MENTIONS = MentionSet(usernames=frozenset(), room=False)


def parse_mentions(text: str, tokens: Sequence[Token] | None = None) -> MentionSet:
    """Who `text` mentions; `tokens` are its parse (`PARSER.parse`), if it has one already."""
    if "@" not in text:  # most messages
        return NO_MENTIONS
    names = {name for _, _, name in mention_spans(text, tokens)}
    return MentionSet(usernames=frozenset(names - ROOM_MENTIONS), room=bool(names & ROOM_MENTIONS))


def mention_spans(text: str, tokens: Sequence[Token] | None = None) -> list[tuple[int, int, str]]:
    """Each mention as (start, end, lower-cased name), in text order; `text[start:end]` is the
    `@` and the name as written. `@room` and its synonyms are included under their own name."""
    if _MENTION.search(text) is None:  # most messages: no need to parse the markdown
        return []
    if tokens is None and is_plain_line(text):  # shown as written: every `@` is seen
        ats = [match.start() for match in _AT.finditer(text)]
    else:
        ats = _visible_ats(text, PARSER.parse(text) if tokens is None else tokens)
    spans = []
    for at in ats:
        name = mention_at(text, at)
        if name is not None:
            spans.append((at, at + 1 + len(name), name.lower()))
    return spans


def mention_at(text: str, at: int) -> str | None:
    """The name (as written) that the `@` at `text[at]` mentions, if it starts a mention
    where it stands; whether that spot is code is the caller's business. The bridges use
    this on text they lay out themselves, so that they and the hub never disagree."""
    match = _MENTION.match(text, at)
    if match is None or mention_name(match) is None:
        return None
    return match.group(1).rstrip(".-")


def _visible_ats(text: str, tokens: Sequence[Token]) -> list[int]:
    """Offsets of the `@`s that markdown shows as text (not code, not hidden syntax).

    Inline tokens carry their raw source (`content`) but not its offset, only the lines it
    came from. Block syntax removed from those lines (quote markers, list bullets, table
    pipes) never contains an `@`, so the n-th `@` of a token's content is the n-th `@` of the
    source from the token's first line on, after those of earlier cells on the same line.
    """
    ats = [match.start() for match in _AT.finditer(text)]
    line_starts = [0, *(match.end() for match in _NEWLINE.finditer(text))]
    visible: list[int] = []
    cursor = 0  # index in `ats` of the next `@` not yet given to a token
    for token in tokens:
        if token.type != "inline" or "@" not in token.content:
            continue
        if token.map is not None:
            cursor = max(cursor, bisect_left(ats, line_starts[token.map[0]]))
        code = iter(
            child.meta["span"]
            for child in token.children or ()
            if child.type == "code_inline" and "span" in child.meta
        )
        span = next(code, None)  # the first code span not ending before `offset`
        offset = token.content.find("@")
        while offset != -1 and cursor < len(ats):
            while span is not None and span[1] <= offset:
                span = next(code, None)
            if span is None or offset < span[0]:
                visible.append(ats[cursor])
            cursor += 1
            offset = token.content.find("@", offset + 1)
    return visible


def possible_names(text: str) -> frozenset[str]:
    """Every name an `@` of `text` could mention, code and hidden syntax not told apart: a
    superset of `parse_mentions(text).usernames` found without parsing the markdown."""
    names = {mention_name(match) for match in _MENTION.finditer(text)}
    return frozenset(name for name in names if name is not None) - ROOM_MENTIONS
