"""The linear linkifier (`hub.linkify`) links exactly what linkify-it-py and markdown-it-py's
own rules link, on text small enough for them to finish; and inputs that took them hours, or
made them raise, render."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt

from hub.linkify import LinearLinkify
from hub.markdown import ChatMarkdown, images_to_links, is_safe_url
from hub.mention_marks import mark_mentions
from hub.render import render_markdown
from tests.test_render import assert_safe

PROPERTY = settings(max_examples=1500, deadline=None)

# What links are made of, and what stops, splits, hides or wraps them.
LINKISH = st.lists(
    st.sampled_from(
        [
            *("http://", "https://", "HTTP://", "ftp://", "//", "mailto:", "www.", "xn--"),
            *("a", "b1", "é", "日本", ".", ".com", ".ru", ".org", "xn--p1ai", "localhost"),
            *("@", "-", "_", "/", "?", "#", "=", "&", ":", "80", "1.2.3.4", "%20", "..", "---"),
            *("(", ")", "[", "]", "{", "}", '"', "'", ",", ";", "!", "*", "`", "|", "<", ">"),
            *(" ", "\n", "\u00a0", "\uff5c", "user:pw@", "bob@example.com", "example.com"),
        ]
    ),
    max_size=14,
).map("".join)
MARKDOWNISH = st.lists(
    LINKISH | st.sampled_from(["](", "![", "**", "\\", "  \n", "> ", "- ", "```", "x.http://"]),
    max_size=8,
).map("".join)


class Upstream(MarkdownIt):
    """The hub's dialect as it was, with linkify-it-py and markdown-it-py's linkify rules."""

    def __init__(self) -> None:
        super().__init__("commonmark", {"html": False, "linkify": True, "breaks": True})
        self.enable(["table", "strikethrough", "linkify"])
        self.core.ruler.push("images_to_links", images_to_links)
        self.core.ruler.push("mention_marks", mark_mentions)  # not about links: as the hub's

    def validateLink(self, url: str) -> bool:  # noqa: N802
        return is_safe_url(url)


UPSTREAM_LINKIFY, LINEAR_LINKIFY = LinkifyIt(), LinearLinkify()
UPSTREAM, LINEAR = Upstream(), ChatMarkdown()


def found(linkify: LinkifyIt, text: str) -> list[tuple[str, int, int, str]] | None:
    links = linkify.match(text)
    return None if links is None else [(m.schema, m.index, m.last_index, m.url) for m in links]


@PROPERTY
@given(LINKISH)
def test_the_same_links_as_linkify_it(text: str) -> None:
    assert LINEAR_LINKIFY.pretest(text) == UPSTREAM_LINKIFY.pretest(text)
    assert LINEAR_LINKIFY.test(text) == UPSTREAM_LINKIFY.test(text)
    assert found(LINEAR_LINKIFY, text) == found(UPSTREAM_LINKIFY, text)


@PROPERTY
@given(MARKDOWNISH)
def test_the_same_html_as_markdown_it_s_rules(text: str) -> None:
    try:
        expected = UPSTREAM.render(text)
    except RuntimeError:  # "inline rule didn't increment state.pos": see below
        return
    assert LINEAR.render(text) == expected


def test_xn_labels_no_longer_take_exponential_time() -> None:
    """Each `xn--` label doubled linkify-it's work: this took hours."""
    text = "xn--a." * 40 + "xn--"
    assert not LINEAR_LINKIFY.test(text)
    bob = '<span class="mention" data-username="bob">@bob</span>'
    assert render_markdown(f"@bob {text}") == f"<p>{bob} {text}</p>\n"


@pytest.mark.parametrize(
    "text",
    [
        "example.com![[80http://http://@http://",
        "bob@example.com![ftp|www.80=>https://ftp://>http:xn--)(",
        "(example.com![**x.http://ftp://]([",
    ],
)
def test_text_that_made_markdown_it_raise_renders(text: str) -> None:
    """In a link label, markdown-it's inline linkify rule took the scheme from text before
    the label and moved back, or not at all (RuntimeError: a post answered 500)."""
    with pytest.raises(RuntimeError):
        UPSTREAM.render(text)
    assert_safe(render_markdown(text))
