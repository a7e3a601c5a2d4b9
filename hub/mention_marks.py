"""Mentions marked in rendered bodies: `@bob` becomes
`<span class="mention" data-username="bob">@bob</span>`, so that pages can highlight them
(and the reader's own more strongly).

A pure function of the body, as rendering must be (it runs in worker processes): every
`@name` that `hub.mentions` would count is marked, whether or not such a user exists; the
hub does not look names up while rendering. The pattern is the one `hub.mentions` uses.
"""

from __future__ import annotations

import re

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

NAME_MAX = 32
# Possessive `++`: a name that runs into a non-ASCII letter is not cut short to a shorter one.
MENTION = re.compile(r"(?<![\w./-])@([A-Za-z0-9_.-]++)(?!\w)")
MENTION_CLASS = "mention"


def mention_name(match: re.Match[str]) -> str | None:
    """The lower-cased name a match of `MENTION` mentions, if it is one (trailing `.` and `-`
    end a name; none is longer than NAME_MAX)."""
    name = match.group(1).rstrip(".-")
    return name.lower() if 0 < len(name) <= NAME_MAX else None


def _span(name: str, written: str) -> str:
    return f'<span class="{MENTION_CLASS}" data-username="{name}">{written}</span>'


def mark_plain(text: str) -> str:
    """A plain line's HTML (`hub.render.is_plain_line`: shown as written) with its mentions
    marked, exactly as the parser's rule marks them."""
    if "@" not in text:
        return text

    def marked(match: re.Match[str]) -> str:
        name = mention_name(match)
        if name is None:
            return match.group(0)
        end = 1 + len(name)
        return _span(name, match.group(0)[:end]) + match.group(0)[end:]

    return MENTION.sub(marked, text)


def mark_mentions(state: StateCore) -> None:
    """Core rule: split text tokens at mentions, wrapping each in a mention span (code is
    never a text token, so code is never marked)."""
    for block in state.tokens:
        if block.type != "inline" or not block.children or "@" not in block.content:
            continue
        children: list[Token] = []
        for token in block.children:
            if token.type != "text" or "@" not in token.content:
                children.append(token)
                continue
            children += _split(token.content)
        block.children = children


def _split(text: str) -> list[Token]:
    tokens: list[Token] = []
    done = 0
    for match in MENTION.finditer(text):
        name = mention_name(match)
        if name is None:
            continue
        start, end = match.start(), match.start() + 1 + len(name)
        if start > done:
            tokens.append(Token("text", "", 0, content=text[done:start]))
        attrs: dict[str, str | int | float] = {"class": MENTION_CLASS, "data-username": name}
        tokens += [
            Token("mention_open", "span", 1, attrs=attrs),
            Token("text", "", 0, content=text[start:end]),
            Token("mention_close", "span", -1),
        ]
        done = end
    if done < len(text):
        tokens.append(Token("text", "", 0, content=text[done:]))
    return tokens
