"""What the hub derives from a post's body, from one parse of it: the sanitised HTML, whom it
mentions and the snippet its notifications show."""

from __future__ import annotations

import html
from dataclasses import dataclass

from hub.markdown import PARSER
from hub.mentions import NO_MENTIONS, MentionSet, parse_mentions
from hub.render import html_of, is_plain_line, plain_snippet, snippet_of


@dataclass(frozen=True, slots=True)
class PostText:
    html: str
    mentions: MentionSet
    snippet: str


def post_text(body: str) -> PostText:
    """The HTML, mentions and snippet of `body`: what `render_markdown`, `parse_mentions` and
    `snippet` give, for the cost of one parse (none for a plain chat line)."""
    if is_plain_line(body):
        return PostText(f"<p>{body}</p>\n", parse_mentions(body), plain_snippet(body))
    tokens = PARSER.parse(body)
    return PostText(html_of(tokens), parse_mentions(body, tokens), snippet_of(body, tokens))


def fallback_text(body: str) -> PostText:
    """What a body shows when rendering it failed or took too long: its text as written,
    escaped, with its line breaks. It mentions nobody, since who it names is not known."""
    lines = "<br>\n".join(html.escape(line) for line in body.splitlines())
    return PostText(f"<p>{lines}</p>\n", NO_MENTIONS, plain_snippet(body))
