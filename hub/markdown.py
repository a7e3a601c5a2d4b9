"""The hub's markdown dialect: how message and comment bodies are parsed.

One parse of a body serves the renderer, the mention parser and the snippet alike (`PARSER`),
so that what counts as code for a mention is exactly what a reader sees as code, and a body
costs one parse however many of them need it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.backticks import backtick
from markdown_it.token import Token

from hub.linkify import LinearLinkify, linkify_scheme, linkify_text
from hub.mention_marks import mark_mentions

_SAFE_URL = re.compile(r"(?:https?://|mailto:)", re.IGNORECASE)


def is_safe_url(url: str) -> bool:
    """Only web and mail links: no javascript:, data:, file:, relative or `//host` URLs."""
    return _SAFE_URL.match(url) is not None


class ChatMarkdown(MarkdownIt):
    """CommonMark with tables, strikethrough and bare-URL links (found in linear time:
    `hub.linkify`); raw HTML stays text; a single newline is a line break, as in a chat.
    Images come out as links to them (`images_to_links`), mentions in mention spans
    (`hub.mention_marks`), and each code span's token notes
    where it lies in its inline source (`meta["span"]`, for the mention parser)."""

    def __init__(self) -> None:
        super().__init__("commonmark", {"html": False, "linkify": True, "breaks": True})
        self.enable(["table", "strikethrough", "linkify"])
        self.linkify = LinearLinkify()
        self.inline.ruler.at("linkify", linkify_scheme)
        self.core.ruler.at("linkify", linkify_text)
        self.inline.ruler.at("backticks", _code_span_with_position)
        self.core.ruler.push("images_to_links", images_to_links)
        self.core.ruler.push("mention_marks", mark_mentions)

    def validateLink(self, url: str) -> bool:  # noqa: N802 (markdown-it's name)
        """Called with the normalised URL (entities decoded, control characters escaped)."""
        return is_safe_url(url)


def plain_text(tokens: Sequence[Token] | None) -> str:
    """What inline tokens say without their markup (an image's alt text, a snippet)."""
    parts: list[str] = []
    for token in tokens or ():
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.type == "image":
            parts.append(plain_text(token.children))
    return "".join(parts)


def images_to_links(state: StateCore) -> None:
    """Replace each image by a link to it labelled with its alt text (or its URL), and an
    image inside a link (a badge) by its alt text alone: a remote image is never loaded."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        depth = 0
        for token in block.children:
            if token.type != "image":
                if token.type == "link_open":
                    depth += 1
                elif token.type == "link_close":
                    depth -= 1
                children.append(token)
                continue
            alt = plain_text(token.children)
            src = str(token.attrGet("src") or "")
            if depth:
                children.append(Token("text", "", 0, content=alt))
                continue
            link = Token("link_open", "a", 1, attrs={"href": src})
            if title := token.attrGet("title"):
                link.attrSet("title", title)
            label = Token("text", "", 0, content=alt or state.md.normalizeLinkText(src))
            children += [link, label, Token("link_close", "a", -1)]
        block.children = children


def _code_span_with_position(state: StateInline, silent: bool) -> bool:
    """markdown-it's code span rule, noting on each code token where it lies in the source."""
    start, count = state.pos, len(state.tokens)
    found = backtick(state, silent)
    if found and not silent and len(state.tokens) > count:
        token = state.tokens[-1]
        if token.type == "code_inline":
            token.meta["span"] = (start, state.pos)
    return found


PARSER = ChatMarkdown()
