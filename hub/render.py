"""Message and comment bodies as HTML that is safe to put in another person's page, and as
short plain-text excerpts for notifications.

Two layers: markdown-it-py renders raw HTML as text and links only http(s) and mailto URLs
(`hub.markdown`); nh3 then keeps only the tags and attributes listed here, whatever the
first layer let through. Images are never loaded, because a remote image is a read receipt
for whoever serves it: `![alt](url)` becomes a link labelled with its alt text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import nh3
from linkify_it import LinkifyIt
from markdown_it.token import Token

from hub.markdown import PARSER, plain_text
from hub.mention_marks import MENTION_CLASS, mark_plain

# What markdown-it emits for our dialect, minus <img>; anything else is dropped, keeping its text.
# fmt: off
ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "blockquote", "pre", "code", "strong", "em", "s", "a",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "span",
})
# fmt: on
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "span": {"data-username"}}
ALLOWED_CLASSES = {"span": {MENTION_CLASS}}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"
# A snippet parses the body's lines up to about `limit * _SNIPPET_HEAD` characters (all of it
# when they show too little text): a long body costs as much to parse as to render.
_SNIPPET_HEAD = 10

_MARKDOWN = PARSER
if _MARKDOWN.linkify is None:
    raise RuntimeError("ChatMarkdown must link bare URLs")
_LINKIFY: LinkifyIt = _MARKDOWN.linkify

_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes=ALLOWED_ATTRIBUTES,
    allowed_classes=ALLOWED_CLASSES,
    url_schemes=set(LINK_SCHEMES),
    url_relative="deny",
    link_rel=LINK_REL,
    set_tag_attribute_values={"a": {"target": "_blank"}},
    strip_comments=True,
)


def _plain_body(tokens: Sequence[Token]) -> str:
    parts: list[str] = []
    for token in tokens:
        if token.type == "inline":
            parts.append(plain_text(token.children))
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
    return " ".join(" ".join(parts).split())


# One line of words and punctuation that no markdown rule acts on (no emphasis, code, link,
# entity or HTML character; no list, quote or heading start; nothing linkify would link) is a
# paragraph of itself. Most chat lines are, and they skip the parser and the cleaner, which
# cost tens of microseconds per body: `tests/test_render.py` checks both paths agree. (Runs of
# letters or of punctuation are taken whole, possessively: half the time of one at a time.)
_PLAIN_LINE = re.compile(r"(?!\d+[.)])[^\W_](?:[^\W_]+|[ ,'\"?;!.:@()/+%$=-]+)*+(?<! )")
_LINK_HINT = re.compile("[.:@]")  # a URL, domain or email has one: test the rest for links


def is_plain_line(text: str) -> bool:
    """Whether `text` renders as itself in one paragraph (see `_PLAIN_LINE`)."""
    return (
        _PLAIN_LINE.fullmatch(text) is not None
        and "://" not in text  # markdown-it links `scheme://` even inside a word
        and (_LINK_HINT.search(text) is None or not _LINKIFY.test(text))
    )


def render_markdown(text: str) -> str:
    """The sanitised HTML of a body, mentions marked (`hub.mention_marks`)."""
    if is_plain_line(text):
        return f"<p>{mark_plain(text)}</p>\n"
    return html_of(_MARKDOWN.parse(text))


def html_of(tokens: Sequence[Token]) -> str:
    """The sanitised HTML of a body's tokens (`PARSER.parse`)."""
    return _CLEANER.clean(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}))


def snippet(text: str, limit: int = 140) -> str:
    """At most `limit` characters of a body's text: markdown syntax dropped (link text and
    code kept), whitespace collapsed, cut at a word with `…` when too long. Plain text, not
    HTML: escape it where it is shown."""
    if is_plain_line(text):
        return plain_snippet(text, limit)
    return snippet_of(text, None, limit)


def snippet_of(text: str, tokens: Sequence[Token] | None, limit: int = 140) -> str:
    """`snippet(text)`, given the body's tokens if it has been parsed already."""
    end = text.find("\n", limit * _SNIPPET_HEAD)
    head = text if end == -1 else text[:end]
    if head is text and tokens is not None:
        return _cut(_plain_body(tokens), limit)
    plain = _plain_body(_MARKDOWN.parse(head))
    if len(plain) <= limit and len(head) < len(text):
        plain = _plain_body(_MARKDOWN.parse(text) if tokens is None else tokens)
    return _cut(plain, limit)


def plain_snippet(text: str, limit: int = 140) -> str:
    """A snippet of `text` taken as it is written, markdown and all (whitespace collapsed)."""
    return _cut(" ".join(text.split()), limit)


def _cut(plain: str, limit: int) -> str:
    if len(plain) <= limit:
        return plain
    cut = plain[: limit - 1]
    if not plain[limit - 1].isspace():  # mid-word: end at the last whole word, if near
        space = cut.rfind(" ")
        if space > limit // 2:
            cut = cut[:space]
    return cut.rstrip() + "…"
