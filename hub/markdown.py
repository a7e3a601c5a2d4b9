"""The hub's markdown dialect: how message and comment bodies are parsed.

The renderer and the mention parser each build their parser here, so that what counts as
code for a mention is exactly what a reader sees as code.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from hub.linkify import LinearLinkify, linkify_scheme, linkify_text

_SAFE_URL = re.compile(r"(?:https?://|mailto:)", re.IGNORECASE)


def is_safe_url(url: str) -> bool:
    """Only web and mail links: no javascript:, data:, file:, relative or `//host` URLs."""
    return _SAFE_URL.match(url) is not None


class ChatMarkdown(MarkdownIt):
    """CommonMark with tables, strikethrough and bare-URL links (found in linear time:
    `hub.linkify`); raw HTML stays text; a single newline is a line break, as in a chat."""

    def __init__(self) -> None:
        super().__init__("commonmark", {"html": False, "linkify": True, "breaks": True})
        self.enable(["table", "strikethrough", "linkify"])
        self.linkify = LinearLinkify()
        self.inline.ruler.at("linkify", linkify_scheme)
        self.core.ruler.at("linkify", linkify_text)

    def validateLink(self, url: str) -> bool:  # noqa: N802 (markdown-it's name)
        """Called with the normalised URL (entities decoded, control characters escaped)."""
        return is_safe_url(url)
