"""Bare links found in time linear in the text: linkify-it-py's rules and results, without the
paths that made a short message cost seconds or hours.

Three such paths, each closed here without changing what is linked:
- linkify-it's domain pattern can match an `xn--` label two ways, so a failing match tries
  2^k ways through k such labels (`"xn--a." * 30 + "xn--"`: hours). A label runs to the
  next dot whichever way it matches, so matching each label-and-dot atomically
  (`(?>…)`) finds the same links without retrying it.
- `LinkifyIt.match` validates every `scheme:` it sees, and a validation reads the link's
  whole path: `"ftp://a/" * 2000` read the rest of the text 2000 times. A scheme inside a
  link already found is dropped anyway, so it is no longer validated.
- markdown-it's inline rule for `scheme://` searched the whole pending text for the scheme
  and copied the rest of the source at every `://` (`"http://a." * 1820`: half a second).
  The scheme is the end of the pending text, and the validator reads the source in place.
- markdown-it's core rule, which links what is left in text tokens, copied a paragraph's
  token list once per token it linked (`"a.co\n" * 3200`). It builds the list once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from linkify_it import LinkifyIt
from linkify_it.main import Match
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.linkify import TEST_MAILTO_RE
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.linkify import SCHEME_RE
from markdown_it.token import Token

# Longer than any scheme linkify-it validates (`https`): a longer run of scheme characters
# before `://` is no scheme it links, and neither is its tail.
_SCHEME_TAIL = 8

Candidate = tuple[str, int, int]
"""A link found: its scheme (empty for a fuzzy link), where it starts and where it ends."""


class LinearLinkify(LinkifyIt):  # type: ignore[misc]  # linkify-it-py has no type hints
    """linkify-it-py's default linkifier, linear in the text (see the module's docstring)."""

    def _on_compile(self) -> None:
        label = "(?:" + self.re["src_domain"] + ")\\."
        atomic = "(?>" + self.re["src_domain"] + "\\.)"
        for name, source in self.re.items():
            if isinstance(source, str):
                self.re[name] = source.replace(label, atomic)

    def match(self, text: str) -> list[Match] | None:
        """linkify-it's links in `text`, none overlapping: the earliest first and, of those
        starting together, the longest (a scheme's, then an e-mail's, then a fuzzy one's)."""
        if not text:
            return None
        emails, fuzzy = list(self._fuzzy_emails(text)), list(self._fuzzy_links(text))
        schemes = self._schemes(text)
        scheme = next(schemes, None)
        links: list[Match] = []
        last = email = link = 0
        while True:
            other = _first(_at(emails, email), _at(fuzzy, link))
            found: Candidate | None = None
            while scheme is not None and found is None:
                name, index, tail = scheme
                if other is not None and index > other[1]:
                    break  # not needed yet: `other` comes first
                scheme = next(schemes, None)
                if index >= last and (length := self.test_schema_at(text, name, tail)):
                    found = (name, index, tail + length)
            # A scheme's link that loses its tie overlaps the one chosen: dropped either way.
            chosen = _first(found, other)
            if chosen is None:
                break
            if chosen is _at(emails, email):
                email += 1
            elif chosen is not found:
                link += 1
            if chosen[1] >= last:
                links.append(self._create_match(text, *chosen))
                last = chosen[2]
        return links or None

    def _schemes(self, text: str) -> Iterator[tuple[str, int, int]]:
        """Each `scheme:` that may start a link: (scheme, its index, where its tail starts)."""
        for found in re.finditer(self.re["schema_search"], text, flags=re.IGNORECASE):
            yield found.group(2), found.start(0) + len(found.group(1)), found.end(0)

    def _fuzzy_emails(self, text: str) -> Iterator[Candidate]:
        if self._opts.get("fuzzy_email") and self._compiled.get("mailto:"):
            for found in re.finditer(self.re["email_fuzzy"], text, flags=re.IGNORECASE):
                yield "mailto:", found.start(0) + len(found.group(1)), found.end(0)

    def _fuzzy_links(self, text: str) -> Iterator[Candidate]:
        if self._opts.get("fuzzy_link") and self._compiled.get("http:"):
            pattern = self.re["link_fuzzy" if self._opts.get("fuzzy_ip") else "link_no_ip_fuzzy"]
            for found in re.finditer(pattern, text, flags=re.IGNORECASE):
                yield "", found.start(0) + len(found.group(1)), found.end(0)


def _at(candidates: list[Candidate], position: int) -> Candidate | None:
    return candidates[position] if position < len(candidates) else None


def _first(a: Candidate | None, b: Candidate | None) -> Candidate | None:
    """The one that starts first; on a tie the longer, and `a` if they end together."""
    if a is None or b is None:
        return a or b
    if a[1] != b[1]:
        return a if a[1] < b[1] else b
    return a if a[2] >= b[2] else b


def linkify_scheme(state: StateInline, silent: bool) -> bool:
    """markdown-it's inline `linkify` rule (a `scheme://` link in inline text), linear: it reads
    the scheme from the end of the pending text and validates the link in the source where it
    stands. A scheme the hub never links (`ftp://`: `validateLink` decides by the scheme) is
    refused before its link is read."""
    md: Any = state.md
    if not md.options.linkify or state.linkLevel > 0:
        return False
    pos = state.pos
    src = state.src
    if pos + 3 > state.posMax or src[pos : pos + 3] != "://":
        return False
    if not (found := SCHEME_RE.search(state.pending[-_SCHEME_TAIL:])):
        return False
    proto = found.group(1)
    # When a rule only validates (a link label being scanned), `pending` is the text before
    # the construct that started it, not what stands before `://`.
    if src[pos - len(proto) : pos] != proto or not md.validateLink(proto + "://"):
        return False
    length = md.linkify.test_schema_at(src, proto + ":", pos + 1)
    if not length:
        return False
    url = src[pos - len(proto) : pos + 1 + length].rstrip("*")  # `*` ends emphasis instead
    full_url = md.normalizeLink(url)
    if not md.validateLink(full_url):
        return False
    if not silent:
        state.pending = state.pending[: -len(proto)]
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": full_url}
        token.markup = "linkify"
        token.info = "auto"
        token = state.push("text", "", 0)
        token.content = md.normalizeLinkText(url)
        token = state.push("link_close", "a", -1)
        token.markup = "linkify"
        token.info = "auto"
    state.pos += len(url) - len(proto)
    return True


def linkify_text(state: StateCore) -> None:
    """markdown-it's core `linkify` rule (links in the text tokens left outside links), with
    each paragraph's tokens rebuilt once. Raw HTML is text in the hub's dialect, so there
    are no HTML links to step over."""
    md: Any = state.md
    if not md.options.linkify:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children or not md.linkify.pretest(block.content):
            continue
        children: list[Token] = []
        depth = 0  # inside a markdown link (or one linked already): left as it is
        for token in block.children:
            if token.type == "link_open":
                depth += 1
            elif token.type == "link_close":
                depth -= 1
            elif not depth and token.type == "text" and md.linkify.test(token.content):
                # `http\://x` is not linked from its `://`
                after_escape = bool(children) and children[-1].type == "text_special"
                children += _linked(md, token, after_escape)
                continue
            children.append(token)
        block.children = children


def _linked(md: Any, token: Token, after_escape: bool) -> list[Token]:
    """A text token as text and link tokens, for the links in it that `md` allows."""
    text, level = token.content, token.level
    links = md.linkify.match(text) or []
    if links and links[0].index == 0 and after_escape:
        links = links[1:]
    nodes: list[Token] = []
    last = 0
    for link in links:
        url = md.normalizeLink(link.url)
        if not md.validateLink(url):
            continue
        if not link.schema:  # a bare host: its text is shown without the `http://` added
            label = md.normalizeLinkText("http://" + link.text).removeprefix("http://")
        elif link.schema == "mailto:" and TEST_MAILTO_RE.search(link.text):
            label = md.normalizeLinkText("mailto:" + link.text).removeprefix("mailto:")
        else:
            label = md.normalizeLinkText(link.text)
        if link.index > last:
            nodes.append(Token("text", "", 0, content=text[last : link.index], level=level))
        nodes += [
            Token(
                "link_open", "a", 1, attrs={"href": url}, level=level, markup="linkify", info="auto"
            ),
            Token("text", "", 0, content=label, level=level + 1),
            Token("link_close", "a", -1, level=level, markup="linkify", info="auto"),
        ]
        last = link.last_index
    if last < len(text):
        nodes.append(Token("text", "", 0, content=text[last:], level=level))
    return nodes
