"""Mention and markdown translation between the hub and Slack (DESIGN §7 Safety, Mentions):
case by case in both directions, and properties over arbitrary text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridges.slack.text import from_slack, to_slack
from bridges.text import NO_PING, LineStart, Mention, RoomMention, Text, segments
from hub.mentions import parse_mentions

SLACK_IDS = {"alice": "U123", "bob": "U456"}
USERNAMES = {"U123": "alice", "U456": "bob"}
NAMES = {"U777": "Carol Smith"}
J = NO_PING
PROPERTY = settings(max_examples=300, deadline=None)

OUTBOUND = [
    ("empty", "", "", []),
    ("plain", "plain text", "plain text", []),
    ("mention", "hi @alice", "hi <@U123>", ["U123"]),
    ("mention-case", "@Alice and @ALICE", "<@U123> and <@U123>", ["U123"]),
    ("mention-unlinked", "@carol unknown", "@carol unknown", []),
    ("mention-trailing-dot", "@alice. thanks", "<@U123>. thanks", ["U123"]),
    ("mention-after-letter", "x@alice", "x@alice", []),
    (
        "email-not-mention",
        "mail bob@example.com",
        "mail <mailto:bob@example.com|bob@example.com>",
        [],
    ),
    ("mention-in-code", "`@alice` in code", "`@alice` in code", []),
    ("mention-in-block", "```\n@alice <!here>\n```", "```\n@alice &lt;!here&gt;\n```", []),
    ("typed-channel", "<!channel> please", "&lt;!channel&gt; please", []),
    ("typed-controls", "<!here> <@U123> <#C1|x>", "&lt;!here&gt; &lt;@U123&gt; &lt;#C1|x&gt;", []),
    ("entities", "a & b < c > d", "a &amp; b &lt; c &gt; d", []),
    ("typed-entity", "&lt; typed", "&lt; typed", []),  # the hub shows "<": so does Slack
    ("room", "@room meeting", "@room meeting", []),
    ("here-everyone", "@here and @everyone", "@here and @everyone", []),
    ("bold", "**bold**", "*bold*", []),
    ("em", "*em* and _em_", "_em_ and _em_", []),
    ("strike", "~~gone~~", "~gone~", []),
    ("nested-emphasis", "**bold _and em_**", "*bold _and em_*", []),
    ("bold-mention", "**@alice**", "*<@U123>*", ["U123"]),
    ("link", "[docs](https://ex.com/a?b=1&c=2)", "<https://ex.com/a?b=1&amp;c=2|docs>", []),
    ("link-pipe-gt", "[x](https://ex.com/a|b>c)", "<https://ex.com/a%7Cb%3Ec|x>", []),
    ("link-label-hostile", "[<!here>](https://ex.com)", "<https://ex.com|&lt;!here&gt;>", []),
    ("link-unsafe", "[x](javascript:alert(1))", "[x](javascript:alert(1))", []),
    ("bare-url", "see https://bare.org/x", "see <https://bare.org/x>", []),
    ("mention-in-label", "[@alice](https://ex.com)", "<https://ex.com|@alice>", []),
    ("bullets", "- one\n- two\n  - nested", "• one\n• two\n    • nested", []),
    ("ordered", "1. a\n2. b", "1. a\n2. b", []),
    ("quote", "> quoted @bob", "> quoted <@U456>", ["U456"]),
    ("heading", "# Title", "*Title*", []),
    ("unicode", "café @alice 🎉 「@bob」", "café <@U123> 🎉 「<@U456>」", ["U123", "U456"]),
    ("lines", "line1\nline2", "line1\nline2", []),
    ("paragraphs", "para1\n\npara2", "para1\n\npara2", []),
    ("escaped-markdown", "\\*not em\\*", "*not em*", []),
]

INBOUND = [
    ("empty", "", "", []),
    ("plain", "plain", "plain", []),
    ("mention", "hi <@U123> and <@U456>", "hi @alice and @bob", ["alice", "bob"]),
    ("mention-old-form", "<@U123|alice>", "@alice", ["alice"]),
    ("unknown-id", "<@U999>", f"@{J}U999", []),
    ("unknown-display-name", "<@U777>", f"@{J}Carol Smith", []),
    ("unknown-label", "<@U998|dave>", f"@{J}dave", []),
    ("specials", "<!here> <!channel> <!everyone>", f"@{J}here @{J}channel @{J}everyone", []),
    ("special-label", "<!channel|channel>", f"@{J}channel", []),
    ("subteam", "<!subteam^S1|@devs>", f"@{J}devs", []),
    ("channel", "see <#C123|general>", "see #general", []),
    ("channel-bare", "see <#C123>", "see #C123", []),
    ("entities", "&amp; &lt; &gt;", "\\& \\< \\>", []),
    ("entity-round-trip", "&amp;lt;", "\\&lt;", []),  # the Slack user typed "&lt;"
    ("link-label", "<https://ex.com|label>", "[label](<https://ex.com>)", []),
    ("link-bare", "<https://ex.com>", "<https://ex.com>", []),
    ("link-amp", "<https://ex.com/a?b=1&amp;c=2|q>", "[q](<https://ex.com/a?b=1&c=2>)", []),
    ("mailto", "<mailto:a@b.c|a@b.c>", "[a@b.c](<mailto:a@b.c>)", []),
    ("link-unsafe", "<slack://open|app>", "app", []),
    ("bold", "*bold*", "**bold**", []),
    ("italic", "_it_", "*it*", []),
    ("strike", "~s~", "~~s~~", []),
    ("nested", "*bold _it_*", "**bold *it***", []),
    ("bold-mention", "*<@U123>*", "**@alice**", ["alice"]),
    ("not-emphasis", "un*bold* 2*3*4 snake_case", "un\\*bold\\* 2\\*3\\*4 snake\\_case", []),
    ("code", "`code <@U123> *x*`", "`code <@U123> *x*`", []),
    ("code-entities", "`a &lt; b`", "`a < b`", []),
    ("block", "```\n@here *x*\n```", "```\n@here *x*\n```", []),
    ("quote", "&gt; quoted <@U123>", "> quoted @alice", ["alice"]),
    ("bullet", "• item", "- item", []),
    ("typed-here", "@here typed", f"@{J}here typed", []),
    ("typed-name", "@alice typed", f"@{J}alice typed", []),
    ("email", "bob@example.com", "bob@example.com", []),
    ("heading-literal", "# not heading", "\\# not heading", []),
    ("list-literal", "1. not list", "1\\. not list", []),
    ("link-literal", "[not](link)", "\\[not\\](link)", []),
    ("mention-then-word", "<@U123>bob", f"@alice{J}bob", ["alice"]),
    ("word-then-mention", "x<@U123>", f"x{J}@alice", ["alice"]),
    ("unicode", "café <@U123> 🎉", "café @alice 🎉", ["alice"]),
    ("lines", "a\nb", "a\nb", []),
    ("indent-not-code", "    <@U123> indented", f"{J}    @alice indented", ["alice"]),
    ("url-into-code", "https://e.com/`@bob`", f"https://e.com/`@{J}bob`", []),
    ("empty-strike", "~~", "\\~\\~", []),  # `~~~~` would open a code block in the hub
]


@pytest.mark.parametrize(
    ("body", "slack", "pinged"), [case[1:] for case in OUTBOUND], ids=[case[0] for case in OUTBOUND]
)
def test_hub_to_slack(body: str, slack: str, pinged: list[str]) -> None:
    result = to_slack(body, SLACK_IDS)
    assert (result.text, result.user_ids) == (slack, pinged)


@pytest.mark.parametrize(
    ("slack", "body", "mentioned"),
    [case[1:] for case in INBOUND],
    ids=[case[0] for case in INBOUND],
)
def test_slack_to_hub(slack: str, body: str, mentioned: list[str]) -> None:
    result = from_slack(slack, USERNAMES, NAMES)
    assert (result.body, result.usernames) == (body, mentioned)
    hub = parse_mentions(result.body)  # what the hub itself will notify
    assert (hub.usernames, hub.room) == (frozenset(mentioned), False)


def test_lookup_may_be_a_function() -> None:
    assert to_slack("@alice @bob", {"alice": "U1"}.get).text == "<@U1> @bob"
    assert from_slack("<@U1> <@U2>", {"U1": "alice"}.get).body == f"@alice @{J}U2"


def test_segments_keep_room_mentions_for_the_renderer() -> None:
    assert segments("@Here now @bob") == [
        LineStart(),
        RoomMention("here", "@Here"),
        Text(" now "),
        Mention("bob", "@bob"),
    ]


_OWN = re.compile(r"<@U[0-9A-Z]+>|<(?:https?|mailto):[^\s<>|]*(?:\|[^<>]*)?>")
_MARKUP = st.sampled_from(
    ["<!channel>", "<!here>", "<@U123>", "<#C1|x>", "<https://x|y>", "&lt;", "&amp;", "@alice",
     "@bob", "@here", "`", "```\n", "*", "**", "_", "~~", "[", "](", ")", "https://e.com/", "|",
     ">", "> ", "\n", "- ", "1. ", " ", "x", "é", "\\", "~", "&gt; ", "• ", "<!everyone>",
     "<@U999|here>", "<mailto:x@y.z>", "    "]
)  # fmt: skip
_TEXT = st.lists(st.one_of(_MARKUP, st.text(max_size=4)), max_size=20).map("".join)


@PROPERTY
@given(_TEXT)
def test_hub_text_never_makes_a_slack_control_sequence(body: str) -> None:
    """Whatever a hub user types, the only `<` in the Slack text open the bridge's own
    mentions of linked users and links; nothing else can ping or link."""
    result = to_slack(body, SLACK_IDS)
    rest = _OWN.sub("", result.text)
    assert "<" not in rest
    assert set(re.findall(r"<@(U\w+)>", result.text)) == set(result.user_ids)
    assert set(result.user_ids) <= set(SLACK_IDS.values())


@PROPERTY
@given(_TEXT)
def test_slack_text_notifies_only_translated_mentions(slack: str) -> None:
    """Whatever arrives from Slack, the hub notifies exactly the linked users it mentions,
    and never the whole room."""
    result = from_slack(slack, USERNAMES, NAMES)
    hub = parse_mentions(result.body)
    assert hub.room is False
    assert hub.usernames == frozenset(result.usernames)
