"""Who a message mentions: `@username` and `@room` wherever a reader sees text.

This is the one place that knows the rules (DESIGN §4 "Mentions"):
- a name is `[A-Za-z0-9_.-]{1,32}`, compared lower-cased; trailing `.` and `-` end it, so
  `@bob.` and `@bob...` mention bob while `@bob.smith` mentions bob.smith;
- an `@` right after a letter, digit or one of `_ . - /` starts nothing (`bob@example.com`,
  `x@bob`, `https://host/@bob`); a name running straight into a non-ASCII letter or digit
  (`@zoë`) is not a mention, nor is a name longer than 32 characters;
- `@room`, `@here`, `@channel` and `@everyone` (any case) address the whole room;
- nothing inside code counts: code spans of any backtick count, fenced and indented code
  blocks. Code is found by the same markdown parser the renderer uses, and only text that
  markdown shows counts (not, say, a link reference definition's URL).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from markdown_it.rules_inline.backticks import backtick
from markdown_it.rules_inline.state_inline import StateInline

from hub.markdown import ChatMarkdown

ROOM_MENTIONS = frozenset({"room", "here", "channel", "everyone"})
NAME_MAX = 32

# Possessive `++`: a name that runs into a non-ASCII letter is not cut short to a shorter one.
_MENTION = re.compile(r"(?<![\w./-])@([A-Za-z0-9_.-]++)(?!\w)")
_AT = re.compile("@")
_NEWLINE = re.compile(r"\r\n?|\n")  # the line breaks markdown-it counts lines by


@dataclass(frozen=True)
class MentionSet:
    usernames: frozenset[str]
    room: bool


NO_MENTIONS = MentionSet(usernames=frozenset(), room=False)


def parse_mentions(text: str) -> MentionSet:
    if "@" not in text:  # most messages
        return NO_MENTIONS
    names = {name for _, _, name in mention_spans(text)}
    return MentionSet(usernames=frozenset(names - ROOM_MENTIONS), room=bool(names & ROOM_MENTIONS))


def mention_spans(text: str) -> list[tuple[int, int, str]]:
    """Each mention as (start, end, lower-cased name), in text order; `text[start:end]` is the
    `@` and the name as written. `@room` and its synonyms are included under their own name."""
    if _MENTION.search(text) is None:  # most messages: no need to parse the markdown
        return []
    spans = []
    for at in _visible_ats(text):
        match = _MENTION.match(text, at)
        if match is None:
            continue
        name = match.group(1).rstrip(".-")
        if 0 < len(name) <= NAME_MAX:
            spans.append((at, at + 1 + len(name), name.lower()))
    return spans


def _code_span_with_position(state: StateInline, silent: bool) -> bool:
    """markdown-it's code span rule, noting on each code token where it lies in the source."""
    start, count = state.pos, len(state.tokens)
    found = backtick(state, silent)
    if found and not silent and len(state.tokens) > count:
        token = state.tokens[-1]
        if token.type == "code_inline":
            token.meta["span"] = (start, state.pos)
    return found


_PARSER = ChatMarkdown()
_PARSER.inline.ruler.at("backticks", _code_span_with_position)


def _visible_ats(text: str) -> list[int]:
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
    for token in _PARSER.parse(text):
        if token.type != "inline" or "@" not in token.content:
            continue
        if token.map is not None:
            cursor = max(cursor, bisect_left(ats, line_starts[token.map[0]]))
        code = [
            child.meta["span"]
            for child in token.children or ()
            if child.type == "code_inline" and "span" in child.meta
        ]
        offset = token.content.find("@")
        while offset != -1 and cursor < len(ats):
            if not any(start <= offset < end for start, end in code):
                visible.append(ats[cursor])
            cursor += 1
            offset = token.content.find("@", offset + 1)
    return visible
