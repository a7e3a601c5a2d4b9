"""Bodies built to be slow or large to render (tests/hostile_bodies.py), at the largest size a
body may have: each renders to safe HTML and valid mentions with a short snippet, and at a
smaller size to what the renderer, the mention parser and `snippet` give one by one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.mentions import ROOM_MENTIONS, parse_mentions
from hub.post_text import HTML_MAX_RATIO, PostText, fallback_text, post_text
from hub.render import is_plain_line, render_markdown, snippet, snippet_of
from tests.hostile_bodies import FAMILIES, hostile_body
from tests.test_mentions import USERNAME
from tests.test_render import assert_safe


@pytest.mark.parametrize("family", FAMILIES)
def test_a_hostile_body_of_the_largest_size_renders_safely(family: str) -> None:
    text = post_text(hostile_body(family))
    assert_safe(text.html)
    assert all(USERNAME.fullmatch(name) for name in text.mentions.usernames)
    assert not text.mentions.usernames & ROOM_MENTIONS
    assert len(text.snippet) <= 140 and "\n" not in text.snippet


def expected_text(body: str) -> PostText:
    html = render_markdown(body)
    if len(html) > HTML_MAX_RATIO * len(body) + 1024:
        return fallback_text(body)
    return PostText(html, parse_mentions(body), snippet(body))


@pytest.mark.parametrize("family", FAMILIES)
def test_one_parse_gives_what_each_function_gives(family: str) -> None:
    body = hostile_body(family, 1024)
    assert post_text(body) == expected_text(body)


@settings(max_examples=250, deadline=None)
@given(st.text())
def test_any_text_gets_what_each_function_gives(text: str) -> None:
    assert post_text(text) == expected_text(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aZé0 ,.:@'()/-", max_size=60))
def test_a_plain_line_s_snippet_is_the_parser_s(text: str) -> None:
    if is_plain_line(text):
        assert snippet(text) == snippet_of(text, None)


def test_markup_that_repeats_the_body_is_shown_as_plain_text() -> None:
    body = hostile_body("reference bomb")  # an 8 KB link used 1,361 times: 11 MB of HTML
    assert post_text(body) == fallback_text(body)
    table = hostile_body("table autofill")  # 2,048 columns, filled in for 4,000 rows
    assert post_text(table) == fallback_text(table)


def test_the_plain_text_fallback_is_escaped_and_mentions_nobody() -> None:
    text = fallback_text("@bob <script>x</script> & **y**\r\nnext")
    assert text.html == "<p>@bob &lt;script&gt;x&lt;/script&gt; &amp; **y**<br>\nnext</p>\n"
    assert not text.mentions.usernames and not text.mentions.room
    assert text.snippet == "@bob <script>x</script> & **y** next"
