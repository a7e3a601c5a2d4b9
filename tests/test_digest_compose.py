"""Digest composition: groups and counts, newest first, links, escaping, the subject."""

from __future__ import annotations

import re
from typing import Any

from hub.services.digest_compose import SNIPPETS_PER_GROUP, compose

BASE = "https://hub.example"


def message(
    id: int, room: int, snippet: str, at: str, *, board: str = "Website", name: str = "launch"
) -> dict[str, Any]:
    return {
        "id": id,
        "kind": "mention",
        "actor": {"username": "alice", "display_name": "Alice"},
        "target": {
            "type": "message",
            "id": id * 10,
            "room": room,
            "url": f"/messaging/room/{room}/#message-{id * 10}",
        },
        "place": {"board": board, "room": name},
        "snippet": snippet,
        "created_at": f"2025-03-01T{at}:00Z",
        "read_at": None,
    }


def comment(id: int, task: int, snippet: str, at: str) -> dict[str, Any]:
    return {
        "id": id,
        "kind": "task_comment",
        "actor": {"username": "carol", "display_name": "Carol"},
        "target": {
            "type": "comment",
            "id": id * 10,
            "task": task,
            "url": f"/messaging/task/{task}/comments/#comment-{id * 10}",
        },
        "place": {"board": "Website", "task": "Fix login"},
        "snippet": snippet,
        "created_at": f"2025-03-01T{at}:00Z",
        "read_at": None,
    }


def test_nothing_new_is_no_digest() -> None:
    assert compose([], public_url=BASE, user_display_name="Bob") is None


def test_grouped_by_board_then_room_or_task_with_counts() -> None:
    items = [
        message(1, 3, "one", "10:00"),
        message(2, 3, "two", "10:05"),
        comment(3, 4, "three", "09:00"),
        message(4, 8, "ops news", "08:00", board="Ops", name="general"),
    ]
    digest = compose(items, public_url=BASE, user_display_name="Bob")
    assert digest is not None
    text = digest.text
    assert "Website (3)" in text and "Ops (1)" in text
    assert "#launch (2)" in text and "Task: Fix login (1)" in text and "#general (1)" in text
    # the board with the newest notification first, and inside it the newest group first
    assert text.index("Website (3)") < text.index("#launch") < text.index("Task: Fix login")
    assert text.index("Task: Fix login") < text.index("Ops (1)") < text.index("#general")
    assert re.search(r"<h2>Website \(3\)</h2>", digest.html)
    assert re.search(r">#launch</a> \(2\)</h3>", digest.html)


def test_newest_snippets_first_and_at_most_the_limit_per_group() -> None:
    total = SNIPPETS_PER_GROUP + 2
    items = [message(n, 3, f"snippet {n}", f"10:{n:02d}") for n in range(1, total + 1)]
    digest = compose(items, public_url=BASE, user_display_name="Bob")
    assert digest is not None
    shown = re.findall(r"snippet (\d+)", digest.text)
    assert shown == [str(n) for n in range(total, total - SNIPPETS_PER_GROUP, -1)]
    assert re.findall(r"snippet (\d+)", digest.html) == shown
    assert f"#launch ({total})" in digest.text
    assert "and 2 more" in digest.text and "and 2 more" in digest.html


def test_links_back_to_the_dashboard() -> None:
    items = [message(1, 3, "one", "10:00"), comment(2, 4, "two", "09:00")]
    digest = compose(items, public_url=BASE + "/", user_display_name="Bob")
    assert digest is not None
    room_link = f"{BASE}/messaging/room/3/#message-10"
    task_link = f"{BASE}/messaging/task/4/comments/#comment-20"
    for link in (room_link, task_link, f"{BASE}/messaging/notifications/"):
        assert link in digest.text
        assert f'href="{link}"' in digest.html
    assert "//messaging" not in digest.text.replace("https://", "")


def test_user_text_is_escaped_in_html() -> None:
    hostile = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    item = message(1, 3, hostile, "10:00", board="<b>Board</b>", name='x"><script>')
    item["actor"] = {"username": "eve", "display_name": "<i>Eve</i>"}
    digest = compose([item], public_url=BASE, user_display_name="<u>Bob</u>")
    assert digest is not None
    for raw in ("<script", "<img", "<b>", "<i>", "<u>", 'x">'):
        assert raw not in digest.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img" in digest.html
    assert "&lt;b&gt;Board&lt;/b&gt;" in digest.html and "&lt;i&gt;Eve&lt;/i&gt;" in digest.html
    # the plain-text body shows the text as it was written
    assert hostile in digest.text and "Hi <u>Bob</u>," in digest.text


def test_plain_text_has_no_html() -> None:
    items = [message(1, 3, "line one\nline two", "10:00"), comment(2, 4, "done", "09:00")]
    digest = compose(items, public_url=BASE, user_display_name="Bob")
    assert digest is not None
    assert not re.search(r"<[a-zA-Z/!]", digest.text)
    assert "&lt;" not in digest.text and "&amp;" not in digest.text
    assert "Alice mentioned you: line one line two" in digest.text
    assert digest.text.startswith("Hi Bob,")


def test_subject_names_the_count() -> None:
    one = compose([message(1, 3, "one", "10:00")], public_url=BASE, user_display_name="Bob")
    assert one is not None
    assert one.subject == "TaskFlow Hub: 1 new notification in 1 board"
    items = [message(n, 3, "x", f"10:{n:02d}") for n in range(5)]
    items.append(message(9, 5, "y", "11:00", board="Ops"))
    many = compose(items, public_url=BASE, user_display_name="Bob")
    assert many is not None
    assert many.subject == "TaskFlow Hub: 6 new notifications in 2 boards"


def test_a_place_that_is_gone_still_groups() -> None:
    item = message(1, 3, "one", "10:00")
    item["place"] = {}
    board = {
        "id": 2,
        "kind": "added_to_board",
        "actor": None,
        "target": {"type": "board", "id": 7, "board": 7, "url": "/boards/7/"},
        "place": {"board": "Ops"},
        "snippet": "",
        "created_at": "2025-03-01T09:00:00Z",
        "read_at": None,
    }
    digest = compose([item, board], public_url=BASE, user_display_name="Bob")
    assert digest is not None
    assert "Elsewhere (1)" in digest.text and "#room 3 (1)" in digest.text
    assert "Ops (1)" in digest.text and "This board (1)" in digest.text
    assert "Someone added you to the board\n" in digest.text
