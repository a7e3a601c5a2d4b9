"""Bodies built to make markdown-it-py, linkify-it-py or the mention parser slow, or their HTML
large: each family makes a body of about `size` characters (ASCII, so bytes too). Shared by
the tests (tests/test_hostile_bodies.py, tests/test_hostile_posts.py) and
bench/hostile_posts.py."""

from __future__ import annotations

from collections.abc import Callable

MAX_SIZE = 16384  # HUB_MAX_MESSAGE_BYTES by default


def _repeat(unit: str, prefix: str = "", suffix: str = "") -> Callable[[int], str]:
    def body(size: int) -> str:
        return prefix + unit * ((size - len(prefix) - len(suffix)) // len(unit)) + suffix

    return body


def _nested(opener: str, middle: str, closer: str) -> Callable[[int], str]:
    def body(size: int) -> str:
        depth = (size - 5 - len(middle)) // (len(opener) + len(closer))
        return "@bob " + opener * depth + middle + closer * depth

    return body


def _lines(line: Callable[[int], str], prefix: str = "") -> Callable[[int], str]:
    def body(size: int) -> str:
        lines, total, n = [prefix], len(prefix), 1
        while total + len(line(n)) + 1 <= size:
            lines.append(line(n))
            total += len(line(n)) + 1
            n += 1
        return "\n".join(lines)

    return body


def _table(size: int) -> str:
    """A header of many columns, then rows of one cell each: markdown-it fills in the rest."""
    columns = size // 8
    return "@bob\n\n" + "|a" * columns + "\n" + "|-" * columns + "\n" + "x\n" * (size // 4 - 8)


def _reference_bomb(size: int) -> str:
    """One long link definition, used as often as the rest of the body allows."""
    definition = "[a]: http://x.example/" + "a" * (size // 2) + "\n\n"
    return definition + "[a]" * ((size - len(definition)) // 3)


# Not hostile: what the others compare with (a long plain paragraph, and long markdown).
ORDINARY: dict[str, Callable[[int], str]] = {
    "plain words": _repeat("words of a long message ", "@bob "),
    "ordinary markdown": _repeat(
        "- **bold**, `code` and a [link](https://example.com/x)\n", "@bob\n"
    ),
}

FAMILIES: dict[str, Callable[[int], str]] = {
    # link and image labels
    "link openers": _repeat("[", "@bob "),
    "image openers": _repeat("![", "@bob "),
    "empty links": _repeat("[](", "@bob "),
    "closers and openers": _repeat("][", "@bob "),
    "nested brackets": _nested("[", "a", "]"),
    "image labels": _repeat("![a]", "@bob "),
    "link destinations": _repeat("(", "@bob [a]("),
    "link titles": _repeat("\\", '@bob [a](b "'),
    "reference labels": _repeat("[a][b]", "@bob "),
    "reference definitions": _repeat("[a]: http://a\n", suffix="\n[a] @bob"),
    "reference bomb": _reference_bomb,
    "brackets and backticks": _repeat("[`", "@bob "),
    "brackets and autolinks": _repeat("[<", "@bob "),
    # code spans and emphasis
    "backtick runs": _repeat("`", "@bob "),
    "unmatched backticks": _repeat("`a``", "@bob "),
    "growing backtick runs": _lines(lambda n: "`" * n + " a", "@bob"),
    "asterisk runs": _repeat("*", "@bob "),
    "asterisks": _repeat("*a", "@bob "),
    "underscores": _repeat("_a", "@bob "),
    "mixed delimiters": _repeat("**_*a", "@bob "),
    "strikethrough": _repeat("~~a", "@bob "),
    "nested emphasis": _nested("*", "a", "*"),
    # autolinks, entities, escapes
    "autolink openers": _repeat("<", "@bob "),
    "autolink schemes": _repeat("<http://", "@bob "),
    "autolink emails": _repeat("<a@", "@bob "),
    "entities": _repeat("&#", "@bob "),
    "escapes": _repeat("\\", "@bob "),
    # bare links (linkify-it)
    "scheme dots": _repeat("http://a.", "@bob "),
    "scheme dots, no mention": _repeat("http://a."),
    "ftp links": _repeat("ftp://a/", "@bob "),
    "protocol-relative": _repeat("//a.b", "@bob "),
    "schemes in words": _repeat("a://", "@bob "),
    "xn-- labels": _repeat("xn--a.", "@bob ", "xn--"),
    "dotted words": _repeat("a.", "@bob "),
    "www runs": _repeat("www.", "@bob "),
    "email runs": _repeat("a@a.", "@bob "),
    "emails in parentheses": _repeat("(a@", "@bob "),
    "emails in quotes": _repeat('"a@a.', "@bob "),
    "mailto runs": _repeat("mailto:a@", "@bob "),
    "domains and emphasis": _repeat("a.com _x_ ", "@bob "),
    "domain lines": _repeat("a.co\n", "@bob "),
    "long domain word": _repeat("a", "@bob ", ".com"),
    "hyphenated host": _repeat("a-", "@bob ", ".com"),
    "link paths of brackets": _repeat("[", "@bob http://a.com/"),
    # mentions
    "at signs": _repeat("@"),
    "many mentions": _repeat("@a "),
    "mentions between code spans": _repeat("`a` @b "),
    "mentions with dots": _repeat("@a."),
    # blocks
    "table columns": _lines(lambda n: "|a" * 60, "@bob\n\n" + "|a" * 60 + "\n" + "|-" * 60),
    "table autofill": _table,
    "quote nesting": _repeat(">", suffix=" @bob"),
    "quote levels": _lines(lambda n: ">" * n + " @bob"),
    "list nesting": _repeat("- ", suffix="@bob"),
    "list indents": _lines(lambda n: "  " * n + "- @bob"),
    "ordered list nesting": _repeat("1. ", suffix="@bob"),
    "heading marks": _repeat("#", "@bob\n"),
    "setext headings": _repeat("a\n=\n", "@bob\n"),
    "fences": _repeat("```\n", "@bob\n"),
    "line breaks": _repeat("a\n", "@bob "),
    "hard breaks": _repeat("a  \n", "@bob "),
    "everything at once": _repeat("[*`<a@b.c>`*](", "@bob "),
}


def hostile_body(family: str, size: int = MAX_SIZE) -> str:
    return {**ORDINARY, **FAMILIES}[family](size)
