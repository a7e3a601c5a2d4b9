"""Mention parsing: the rules of DESIGN §4, case by case, and properties over arbitrary text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.mentions import ROOM_MENTIONS, MentionSet, mention_spans, parse_mentions
from hub.render import render_markdown

USERNAME = re.compile(r"[a-z0-9_.-]{1,32}")
PROPERTY = settings(max_examples=250, deadline=None)

CASES = [
    # plain mentions, case-insensitive, anywhere in the text
    ("@bob", {"bob"}),
    ("hi @Bob", {"bob"}),
    ("@ALICE and @bob", {"alice", "bob"}),
    ("@bob\n@carol", {"bob", "carol"}),
    ("line one\n\n# @dave in a heading", {"dave"}),
    ("> quoted @erin", {"erin"}),
    ("- item @frank\n  1. nested @grace", {"frank", "grace"}),
    ("**@heidi** _@ivan_ ~~@judy~~", {"heidi", "judy"}),  # `_` before @ is a word character
    ("[@mallory](https://example.com) ![@oscar](https://example.com/a.png)", {"mallory", "oscar"}),
    ("| who | what |\n|---|---|\n| @peggy | `@trent` |", {"peggy"}),
    ("@", set()),
    ("@ bob", set()),
    ("end with @", set()),
    ("@@bob", {"bob"}),
    # punctuation around a name
    ("(@alice)", {"alice"}),
    ("@alice,@bob", {"alice", "bob"}),
    ("@alice:", {"alice"}),
    ("@alice's card", {"alice"}),
    ('"@alice"', {"alice"}),
    ("@a@b", {"a"}),  # the second @ follows a letter, like an e-mail address
    # trailing `.` and `-` end a name; inside it they belong to it
    ("@bob.", {"bob"}),
    ("@bob-", {"bob"}),
    ("@bob...", {"bob"}),
    ("@bob.-.-", {"bob"}),
    ("thanks @bob. see you", {"bob"}),
    ("@bob.smith", {"bob.smith"}),
    ("@bob-smith.", {"bob-smith"}),
    ("@bob_", {"bob_"}),
    ("@-x @.y @_z", {"-x", ".y", "_z"}),
    ("@... @---", set()),
    # what an @ may not follow: a word character or one of . - _ /
    ("bob@example.com", set()),
    ("mail bob@example.com or <bob@example.com>", set()),
    ("x@bob", set()),
    ("a.@bob a-@bob a_@bob a/@bob", set()),
    ("https://mastodon.social/@bob", set()),
    ("écrit@bob 日本@bob", set()),
    # length: 32 characters at most, not truncated
    ("@" + "a" * 32, {"a" * 32}),
    ("@" + "a" * 33, set()),
    ("@" + "a" * 32 + "...", {"a" * 32}),
    ("@" + "a" * 30 + ".b.c", set()),
    # unicode around a name
    ("「@bob」 and @carol…", {"bob", "carol"}),
    ("@zoë", set()),  # a name running into a non-ASCII letter is another name, not zo
    ("@jose.garcía", set()),  # nor is it cut back to jose
    ("@bob\u00a0hi", {"bob"}),
    ("@ålice", set()),
    ("emoji 🎉@bob", {"bob"}),
    # code: spans of any backtick count, fenced and indented blocks
    ("`@bob`", set()),
    ("`@bob` @carol", {"carol"}),
    ("``@bob ` still code`` @carol", {"carol"}),
    ("```@bob```", set()),
    ("`@bob` `` @carol `` `@dave", {"dave"}),  # an unclosed backtick is text
    ("`two\nlines @bob`", set()),
    ("```\n@bob\n```\n@carol", {"carol"}),
    ("~~~python\n@bob\n~~~", set()),
    ("```\n@bob", set()),  # an unclosed fence runs to the end
    ("    @bob indented\n\n@carol", {"carol"}),
    ("> ```\n> @bob\n> ```\n> @carol", {"carol"}),
    ("- item\n\n      @bob code in a list\n", set()),
    ("\\`@bob\\`", {"bob"}),  # escaped backticks make no code span
    ("text\r\n`@bob`\r\n@carol", {"carol"}),
    # what markdown does not show does not mention
    ("[ref]: https://example.com/?u=@bob\n\n@carol", {"carol"}),
    ("|a|b|\n|-|-|\n|1|2|@bob|", set()),  # cells beyond the header's count are dropped
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_mentioned_usernames(text: str, expected: set[str]) -> None:
    assert parse_mentions(text) == MentionSet(usernames=frozenset(expected), room=False)


@pytest.mark.parametrize(
    ("text", "room", "usernames"),
    [
        ("@room", True, set()),
        ("@here", True, set()),
        ("@channel", True, set()),
        ("@everyone", True, set()),
        ("@Room please", True, set()),
        ("@EVERYONE.", True, set()),
        ("@here and @bob", True, {"bob"}),
        ("@rooms", False, {"rooms"}),
        ("@room.mate", False, {"room.mate"}),
        ("`@room`", False, set()),
        ("chat@here", False, set()),
    ],
)
def test_room_mentions(text: str, room: bool, usernames: set[str]) -> None:
    assert parse_mentions(text) == MentionSet(usernames=frozenset(usernames), room=room)


def test_spans_locate_each_mention_as_written() -> None:
    text = "> `@x` hi @Bob. and @here\n\n| @Carol | `@y` | @dave... |\n|-|-|-|"
    assert mention_spans(text) == [
        (10, 14, "bob"),
        (20, 25, "here"),
        (29, 35, "carol"),
        (45, 50, "dave"),
    ]
    assert [text[start:end] for start, end, _ in mention_spans(text)] == [
        "@Bob",
        "@here",
        "@Carol",
        "@dave",
    ]


# Properties ---------------------------------------------------------------------------------


@PROPERTY
@given(st.text())
def test_any_text_parses_into_valid_names(text: str) -> None:
    mentioned = parse_mentions(text)
    assert all(USERNAME.fullmatch(name) for name in mentioned.usernames)
    assert not mentioned.usernames & ROOM_MENTIONS
    for start, end, name in mention_spans(text):
        assert text[start] == "@"
        assert text[start + 1 : end].lower() == name


# Markdown that cannot end a code span early or start a construct that swallows one: no
# backslash (escapes a backtick), `<` (autolinks win over code), `[` (link definitions), `|`
# (table cells split code spans) or `:` (a URL may run through backticks).
PLAIN = st.text(
    alphabet=st.characters(
        blacklist_characters="@`\\<[|:", blacklist_categories=("Cs",), max_codepoint=0x2FFF
    )
)
CODE = st.text(
    alphabet=st.characters(blacklist_characters="`\n\r|", blacklist_categories=("Cs",)),
    min_size=1,
).map(lambda content: f"`{content}`")


@PROPERTY
@given(st.lists(st.tuples(PLAIN, CODE)), PLAIN)
def test_at_signs_only_inside_code_spans_mention_nobody(
    parts: list[tuple[str, str]], end: str
) -> None:
    text = "".join(plain + code for plain, code in parts) + end
    assert parse_mentions(text) == MentionSet(usernames=frozenset(), room=False)


NAME = st.from_regex(r"[A-Za-z0-9_.-]{0,31}[A-Za-z0-9_]", fullmatch=True).filter(
    lambda name: name.lower() not in ROOM_MENTIONS
)
WORD = st.text(
    alphabet=st.characters(
        whitelist_categories=("L", "N"), whitelist_characters=".,;!?()'\"", max_codepoint=0x2FFF
    ),
    min_size=1,
)


@PROPERTY
@given(st.lists(WORD, max_size=30), NAME, st.data())
def test_a_name_added_to_plain_text_is_mentioned(
    words: list[str], name: str, data: st.DataObject
) -> None:
    position = data.draw(st.integers(min_value=0, max_value=len(words)))
    text = " ".join([*words[:position], f"@{name}", *words[position:]])
    assert name.lower() in parse_mentions(text).usernames


class TextOutsideCode(HTMLParser):
    """The text of an HTML document that is not inside <code>."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.depth += tag == "code"

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag == "code"

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


# Block and inline syntax that moves text in and out of code, hides it or splits it into
# cells; no `&` (an entity can spell an @) and no `](` (a link's URL is not shown).
SYNTAX = st.sampled_from(
    [
        *("`", "``", "```", "~~~", "\n", "\n\n", "    ", "\t", "> ", "- ", "1. ", "# "),
        *("|", "| a |", "|---|", "-|-", "===", "---", "**", "_", "~~", "\\", "<", ">"),
        *("[a]: ", "[a]", "http://x.example/", "x", " ", ":", "\r\n"),
    ]
)


@PROPERTY
@given(st.lists(SYNTAX | st.just(None), max_size=40))
def test_a_mention_is_an_at_the_renderer_shows_outside_code(parts: list[str | None]) -> None:
    ids = iter(range(len(parts)))
    text = "".join(f" @u{next(ids):03d} " if part is None else part for part in parts)
    shown = re.findall(r"@(u\d{3})", "".join(TextOutsideCode(render_markdown(text)).parts))
    assert sorted(name for _, _, name in mention_spans(text)) == sorted(shown), text
