"""What the hub derives from a post's body, from one parse of it: the sanitised HTML, whom it
mentions and the snippet its notifications show."""

from __future__ import annotations

import html
from typing import NamedTuple

from hub.markdown import PARSER
from hub.mention_marks import mark_plain
from hub.mentions import NO_MENTIONS, MentionSet, parse_mentions
from hub.render import html_of, is_plain_line, plain_snippet, snippet_of

# A body's HTML may be this many times as long as the body: more than any markup people write
# makes (quotes nested 20 deep, the most, about 23; short bare links about 17), less than
# markup that repeats a part of the body does (a reference link used a thousand times, a
# table's filled-in cells), which would be stored, and sent to every reader, megabytes at a time.
HTML_MAX_RATIO = 32
_HTML_SLACK = 1024


class PostText(NamedTuple):  # a tuple: made for every post, and cheaper to make than a class
    html: str
    mentions: MentionSet
    snippet: str


def post_text(body: str) -> PostText:
    """The HTML, mentions and snippet of `body`: what `render_markdown`, `parse_mentions` and
    `snippet` give, for the cost of one parse (none for a plain chat line); its plain text
    (`fallback_text`) if its HTML would be over `HTML_MAX_RATIO` times as long."""
    if is_plain_line(body):
        return PostText(f"<p>{mark_plain(body)}</p>\n", parse_mentions(body), plain_snippet(body))
    tokens = PARSER.parse(body)
    html = html_of(tokens)
    if len(html) > HTML_MAX_RATIO * len(body) + _HTML_SLACK:
        return fallback_text(body)
    return PostText(html, parse_mentions(body, tokens), snippet_of(body, tokens))


def fallback_text(body: str) -> PostText:
    """What a body shows when rendering it failed or took too long: its text as written,
    escaped, with its line breaks. It mentions nobody, since who it names is not known."""
    lines = "<br>\n".join(html.escape(line) for line in body.splitlines())
    return PostText(f"<p>{lines}</p>\n", NO_MENTIONS, plain_snippet(body))
