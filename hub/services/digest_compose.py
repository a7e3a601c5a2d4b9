"""One digest from a person's pending notifications: grouped by board, then room or task,
with counts, the newest snippets and links back to the dashboard, as a subject and
plain-text and HTML bodies (DESIGN §8). Pure: the items are notification JSON as the API
gives it (`notification_json`), already chosen by the caller."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jinja2 import Environment, StrictUndefined

# Snippets shown per room or task; the rest are counted ("and 4 more").
SNIPPETS_PER_GROUP = 3
NOTIFICATIONS_PAGE = "/messaging/notifications/"
# A board that is gone (the notification's place has no board name) groups here.
NO_BOARD = "Elsewhere"

_KIND_LABELS = {
    "mention": "mentioned you",
    "task_comment": "commented",
    "added_to_room": "added you to the room",
    "added_to_board": "added you to the board",
}


@dataclass(frozen=True)
class DigestMessage:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Line:
    """One notification as the digest shows it."""

    actor: str
    action: str
    snippet: str
    link: str


@dataclass
class Group:
    """A room, a task, or the board itself ("This board"), newest notification first."""

    label: str
    link: str
    count: int = 0
    lines: list[Line] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.lines)


@dataclass
class BoardGroup:
    name: str
    count: int = 0
    groups: dict[tuple[str, Any], Group] = field(default_factory=dict)


def compose(
    items: Sequence[Mapping[str, Any]], *, public_url: str, user_display_name: str
) -> DigestMessage | None:
    """The digest of `items`, or None when there are none (nothing is sent then)."""
    if not items:
        return None
    base = public_url.rstrip("/")
    boards = _grouped(items, base)
    count = len(items)
    noun = "notification" if count == 1 else "notifications"
    places = "board" if len(boards) == 1 else "boards"
    context = {
        "name": _one_line(user_display_name),
        "count": count,
        "noun": noun,
        "boards": boards,
        "all_link": base + NOTIFICATIONS_PAGE,
    }
    return DigestMessage(
        subject=f"TaskFlow Hub: {count} new {noun} in {len(boards)} {places}",
        text=_TEXT.render(context),
        html=_HTML.render(context),
    )


def _grouped(items: Sequence[Mapping[str, Any]], base: str) -> list[BoardGroup]:
    """Boards, and groups within each, ordered by their newest notification."""
    boards: dict[str, BoardGroup] = {}
    for item in sorted(items, key=_created_at, reverse=True):
        place: Mapping[str, Any] = item.get("place") or {}
        target: Mapping[str, Any] = item["target"]
        board_name = _one_line(place.get("board") or NO_BOARD)
        board = boards.setdefault(board_name, BoardGroup(board_name))
        board.count += 1
        link = base + target["url"]
        key, label = _group_of(target, place)
        group = board.groups.setdefault(key, Group(label, link))
        group.count += 1
        if len(group.lines) < SNIPPETS_PER_GROUP:
            group.lines.append(_line(item, link))
    return list(boards.values())


def _group_of(target: Mapping[str, Any], place: Mapping[str, Any]) -> tuple[tuple[str, Any], str]:
    """The group key and heading of a notification's target: its room, its task or its board."""
    if "room" in target:
        return ("room", target["room"]), "#" + _one_line(
            place.get("room") or f"room {target['room']}"
        )
    if "task" in target:
        title = _one_line(place.get("task") or f"task {target['task']}")
        return ("task", target["task"]), f"Task: {title}"
    return ("board", target["id"]), "This board"


def _line(item: Mapping[str, Any], link: str) -> Line:
    actor: Mapping[str, Any] | None = item.get("actor")
    kind = str(item["kind"])
    return Line(
        actor=_one_line(actor["display_name"]) if actor else "Someone",
        action=_KIND_LABELS.get(kind, kind),
        snippet=_one_line(item.get("snippet") or ""),
        link=link,
    )


def _created_at(item: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(item["created_at"])


def _one_line(text: str) -> str:
    """User text on one line: a snippet's line breaks would break the layout of both bodies."""
    return " ".join(str(text).split())


_ENV = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
# The plain-text body is never HTML: a template of its own without escaping.
_TEXT_ENV = Environment(
    autoescape=False, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
)

_TEXT = _TEXT_ENV.from_string(
    """Hi {{ name }},

{{ count }} new {{ noun }} since your last digest.
{% for board in boards %}

{{ board.name }} ({{ board.count }})
{% for group in board.groups.values() %}
  {{ group.label }} ({{ group.count }}): {{ group.link }}
{% for line in group.lines %}
    - {{ line.actor }} {{ line.action }}{% if line.snippet %}: {{ line.snippet }}{% endif %}

      {{ line.link }}
{% endfor %}
{% if group.more %}
    … and {{ group.more }} more
{% endif %}
{% endfor %}
{% endfor %}

All your notifications: {{ all_link }}
"""
)

_HTML = _ENV.from_string(
    """<!DOCTYPE html>
<html><body style="font-family: sans-serif">
<p>Hi {{ name }},</p>
<p>{{ count }} new {{ noun }} since your last digest.</p>
{% for board in boards %}
<h2>{{ board.name }} ({{ board.count }})</h2>
{% for group in board.groups.values() %}
<h3><a href="{{ group.link }}">{{ group.label }}</a> ({{ group.count }})</h3>
<ul>
{% for line in group.lines %}
<li><strong>{{ line.actor }}</strong> {{ line.action }}{% if line.snippet %}: \
{{ line.snippet }}{% endif %} <a href="{{ line.link }}">open</a></li>
{% endfor %}
{% if group.more %}
<li>… and {{ group.more }} more</li>
{% endif %}
</ul>
{% endfor %}
{% endfor %}
<p><a href="{{ all_link }}">All your notifications</a></p>
</body></html>
"""
)
