"""Markdown rendering: golden output for the markdown people write and for an XSS corpus, and
properties of the HTML for arbitrary and hostile input."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.render import _CLEANER, _MARKDOWN, is_plain_line, render_markdown, snippet

PROPERTY = settings(max_examples=250, deadline=None)
LINK = 'target="_blank" rel="nofollow noopener noreferrer"'

MARKDOWN = [
    ("plain text", "<p>plain text</p>\n"),
    ("", ""),
    (
        "**bold** *italic* _also_ ~~struck~~ `code`",
        "<p><strong>bold</strong> <em>italic</em> <em>also</em> <s>struck</s>"
        " <code>code</code></p>\n",
    ),
    ("line one\nline two", "<p>line one<br>\nline two</p>\n"),
    ("para one\n\npara two", "<p>para one</p>\n<p>para two</p>\n"),
    ("# Title\n---", "<h1>Title</h1>\n<hr>\n"),
    ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>\n"),
    ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"),
    ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>\n'),
    # the fence's language class is dropped with every other class
    ("```python\nx = 1 < 2\n```", "<pre><code>x = 1 &lt; 2\n</code></pre>\n"),
    ("    indented code", "<pre><code>indented code\n</code></pre>\n"),
    # alignment comes as style attributes, which are dropped
    (
        "| a | b |\n|:-|-:|\n| 1 | 2 |",
        "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n",
    ),
    (
        "hi @Bob and @room",
        '<p>hi <span class="mention" data-username="bob">@Bob</span> and '
        '<span class="mention" data-username="room">@room</span></p>\n',
    ),
    (
        "**hi** @bob. `@carol` x@dan",
        '<p><strong>hi</strong> <span class="mention" data-username="bob">@bob</span>. '
        "<code>@carol</code> x@dan</p>\n",
    ),
    (
        "[docs](https://example.com/docs)",
        f'<p><a href="https://example.com/docs" {LINK}>docs</a></p>\n',
    ),
    (
        'see https://example.com/a?b=1&c=2 or "www.example.com"',
        f'<p>see <a href="https://example.com/a?b=1&amp;c=2" {LINK}>https://example.com/a?b=1&amp;c=2</a>'
        f' or "<a href="http://www.example.com" {LINK}>www.example.com</a>"</p>\n',
    ),
    (
        "write to bob@example.com",
        f'<p>write to <a href="mailto:bob@example.com" {LINK}>bob@example.com</a></p>\n',
    ),
    (
        "[mail](mailto:bob@example.com)",
        f'<p><a href="mailto:bob@example.com" {LINK}>mail</a></p>\n',
    ),
    ("&lt;b&gt; &amp; &#60;i&#62;", "<p>&lt;b&gt; &amp; &lt;i&gt;</p>\n"),
]


@pytest.mark.parametrize(("text", "html"), MARKDOWN)
def test_markdown(text: str, html: str) -> None:
    assert render_markdown(text) == html


XSS = [
    # raw HTML is text
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"),
    ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"),
    (
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
        '<p>&lt;iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"&gt;&lt;/iframe&gt;</p>\n',
    ),
    (
        "<svg onload=alert(1)><math><object><embed><style>*{}</style>",
        "<p>&lt;svg onload=alert(1)&gt;&lt;math&gt;&lt;object&gt;&lt;embed&gt;"
        "&lt;style&gt;*{}&lt;/style&gt;</p>\n",
    ),
    (
        '<div onclick="alert(1)">\n\nhi\n\n</div>',
        '<p>&lt;div onclick="alert(1)"&gt;</p>\n<p>hi</p>\n<p>&lt;/div&gt;</p>\n',
    ),
    (
        '<a href="javascript:alert(1)">x</a>',
        '<p>&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;</p>\n',
    ),
    ("<!-- c --> <?php x ?>", "<p>&lt;!-- c --&gt; &lt;?php x ?&gt;</p>\n"),
    # links to anything but http, https and mailto stay text
    ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
    ("[x](JaVaScRiPt:alert(1))", "<p>[x](JaVaScRiPt:alert(1))</p>\n"),
    ("[x](java&#x09;script:alert(1))", "<p>[x](java\tscript:alert(1))</p>\n"),
    ("[x](&#106;avascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
    ("[x](javascript&colon;alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
    ("[x](<javascript:alert(1)>)", "<p>[x](&lt;javascript:alert(1)&gt;)</p>\n"),
    (
        "[x](data:text/html,<script>alert(1)</script>)",
        "<p>[x](data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;)</p>\n",
    ),
    ("[x](data:image/png;base64,iVBORw0KGgo=)", "<p>[x](data:image/png;base64,iVBORw0KGgo=)</p>\n"),
    ("[x](vbscript:msgbox(1))", "<p>[x](vbscript:msgbox(1))</p>\n"),
    ("[x](file:///etc/passwd)", "<p>[x](file:///etc/passwd)</p>\n"),
    ("[x](//evil.example/x)", "<p>[x](//evil.example/x)</p>\n"),
    ("[x](/relative) [y](#top)", "<p>[x](/relative) [y](#top)</p>\n"),
    ("[x][1]\n\n[1]: javascript:alert(1)", "<p>[x][1]</p>\n<p>[1]: javascript:alert(1)</p>\n"),
    ("<javascript:alert(1)>", "<p>&lt;javascript:alert(1)&gt;</p>\n"),
    (
        "<http://example.com>",
        f'<p><a href="http://example.com" {LINK}>http://example.com</a></p>\n',
    ),
    ("[x](HTTPS://EXAMPLE.COM)", f'<p><a href="HTTPS://EXAMPLE.COM" {LINK}>x</a></p>\n'),
    # images are links, never loaded; inside a link, just their alt text
    ("![x](http://evil/beacon)", f'<p><a href="http://evil/beacon" {LINK}>x</a></p>\n'),
    (
        '![](http://evil/b.png "T")',
        f'<p><a href="http://evil/b.png" title="T" {LINK}>http://evil/b.png</a></p>\n',
    ),
    ("![x](javascript:alert(1))", "<p>![x](javascript:alert(1))</p>\n"),
    (
        "[![build](https://ci.example/badge.svg)](https://ci.example)",
        f'<p><a href="https://ci.example" {LINK}>build</a></p>\n',
    ),
    # attribute injection
    (
        '[x](https://example.com "t\\" onmouseover=\\"alert(1)")',
        '<p><a href="https://example.com" title="t&quot; onmouseover=&quot;alert(1)"'
        f" {LINK}>x</a></p>\n",
    ),
    (
        '[x](https://example.com/"onmouseover="alert(1))',
        f'<p><a href="https://example.com/%22onmouseover=%22alert(1)" {LINK}>x</a></p>\n',
    ),
    (
        '[x](https://example.com){onclick=alert(1) style="color:red"}',
        f'<p><a href="https://example.com" {LINK}>x</a>'
        '{onclick=alert(1) style="color:red"}</p>\n',
    ),
    (
        "```html onload=alert(1)\n<script>alert(1)</script>\n```",
        "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>\n",
    ),
]


@pytest.mark.parametrize(("text", "html"), XSS)
def test_xss_corpus_renders_inert(text: str, html: str) -> None:
    assert render_markdown(text) == html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("hi @bob", "hi @bob"),
        ("# Title\n\n**bold** and _it_\n\n- one\n- two", "Title bold and it one two"),
        ("[the docs](https://example.com) ![chart](https://example.com/c.png)", "the docs chart"),
        ("use `make test`\n\n```\nrun  it\n```", "use make test run it"),
        ("  spaced \n\n\n  out\t text  ", "spaced out text"),
        ("<b>raw</b> &amp; more", "<b>raw</b> & more"),
        ("word " * 28, ("word " * 28).strip()),
        ("word " * 29, ("word " * 28).strip() + "…"),
        ("x" * 141, "x" * 139 + "…"),
        ("a " + "x" * 200, "a " + "x" * 137 + "…"),  # a long word is cut inside
        ("**long**\n" * 2000, ("long " * 28).strip() + "…"),
        ("[r]: https://example.com\n" * 100 + "\nfinally text", "finally text"),
        ("`" + "y" * 1400 + "` z", "y" * 139 + "…"),
    ],
)
def test_snippet(text: str, expected: str) -> None:
    assert snippet(text) == expected


def test_snippet_limit() -> None:
    assert snippet("one two three four", limit=10) == "one two…"
    assert snippet("one two three four", limit=18) == "one two three four"


# Properties ---------------------------------------------------------------------------------

ALLOWED_TAGS = {
    *("p", "br", "hr", "blockquote", "pre", "code", "strong", "em", "s", "a"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li"),
    *("table", "thead", "tbody", "tr", "th", "td"),
    "span",  # a mention: `<span class="mention" data-username="…">` and nothing else
}
FORBIDDEN_TAGS = {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "img"}
SAFE_HREF = ("http:", "https:", "mailto:")


class Elements(HTMLParser):
    """Every start tag of a document with its attributes, as a browser would decode them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def assert_safe(html: str) -> None:
    for tag, attrs in Elements(html).found:
        assert tag in ALLOWED_TAGS and tag not in FORBIDDEN_TAGS, html
        assert not any(name.startswith("on") for name in attrs), html
        assert not {"style", "src", "srcdoc", "id"} & attrs.keys(), html
        if tag == "span" or "class" in attrs:
            assert tag == "span" and attrs.keys() == {"class", "data-username"}, html
            assert attrs["class"] == "mention", html
            assert re.fullmatch("[a-z0-9_.-]{1,32}", attrs["data-username"] or ""), html
        if tag == "a":
            # nh3 drops an href it cannot parse (`http://^`), leaving an inert <a>
            assert (attrs.get("href") or "http:").startswith(SAFE_HREF), html
            assert attrs.get("rel") == "nofollow noopener noreferrer", html
            assert attrs.get("target") == "_blank", html


FRAGMENTS = [
    *("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg/onload=alert(1)>"),
    *("<iframe srcdoc='<script>x</script>'>", "<style>", "<math>", "<form>", "<object>", "<embed>"),
    *('<a href="javascript:alert(1)">', "</a>", "<b onclick=alert(1)>", "<!--", "-->"),
    *("[x](", "![x](", "](", "[", "]", "(", ")", "<", ">", '"', "'", "=", " ", "\n", "\t"),
    *("javascript:", "JaVaScRiPt:", "java&#x09;script:", "&#106;avascript:", "vbscript:"),
    *("data:text/html,", "data:image/png;base64,AA==", "file:///", "//evil", "/rel", "#x"),
    *("http://", "https://", "mailto:", "www.", "example.com", "bob@example.com", "alert(1)"),
    *(" onerror=", " style=", "{onclick=x}", "&quot;", "&lt;", "&#60;", "&colon;", "\\", "`"),
    *("```", "~~~", "    ", "> ", "- ", "1. ", "# ", "| a |", "|---|", "**", "_", "~~", "@bob"),
    *("[1]: ", "[1]", "\x00", "\u2028", "\u202e"),
]
HOSTILE = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=30).map("".join)


@PROPERTY
@given(st.text())
def test_any_text_renders_safe_html(text: str) -> None:
    assert_safe(render_markdown(text))


@PROPERTY
@given(HOSTILE)
def test_hostile_fragments_render_safe_html(text: str) -> None:
    assert_safe(render_markdown(text))


@PROPERTY
@given(st.text(), st.integers(min_value=2, max_value=300))
def test_snippets_are_short_single_lines(text: str, limit: int) -> None:
    excerpt = snippet(text, limit)
    assert len(excerpt) <= limit
    assert "\n" not in excerpt
    assert excerpt == excerpt.strip()


# Words, inert punctuation, and what could make them markdown: list and heading starts,
# URLs and domains, emails, entities, emphasis, spaces at either end.
PLAIN_ALPHABET = st.sampled_from(
    [*"aZ09éß中ж٣", *" ,'\"?;!.:@()/+%$=-", "www.", "http://", ".com", ".me", "1.", "#", "_", "*"]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(PLAIN_ALPHABET, min_size=1, max_size=12).map("".join))
def test_plain_lines_render_as_the_parser_would(text: str) -> None:
    """The fast path for plain lines gives exactly what markdown-it and the cleaner give."""
    if is_plain_line(text):
        assert render_markdown(text) == _CLEANER.clean(_MARKDOWN.render(text))


@PROPERTY
@given(st.text(max_size=40))
def test_any_text_the_fast_path_takes_renders_as_the_parser_would(text: str) -> None:
    if is_plain_line(text):
        assert render_markdown(text) == _CLEANER.clean(_MARKDOWN.render(text))


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("see you at 5:30, ok?", True),
        ('it\'s "done" (mostly) - 50% off = $4', True),
        ("meet.me now", False),  # a domain: linkify makes it a link
        ("1) first", False),  # an ordered list
        ("trailing space ", False),
        ("two\nlines", False),
        ("snake_case", False),
    ],
)
def test_which_lines_take_the_fast_path(text: str, plain: bool) -> None:
    assert is_plain_line(text) is plain
