"""Room messages and task comments over HTTP: create, list, edit, delete, permissions, safety."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.conftest import Api, UserFactory
from tests.realtime import Team, make_team


@pytest.fixture
async def people(make_user: UserFactory) -> dict[str, Api]:
    names = ("alice", "bob", "carol", "dave")
    return {name: await make_user(name) for name in names} | {
        "root": await make_user("root", admin=True)
    }


@pytest.fixture
async def team(people: dict[str, Api]) -> Team:
    """alice owns the board; bob is in the room; carol is on the board only; dave is outside."""
    return await make_team(
        people["alice"], people["bob"], people["carol"], room_members=[people["bob"]]
    )


async def test_post_list_edit_delete_a_message(people: dict[str, Api], team: Team) -> None:
    alice, bob = people["alice"], people["bob"]
    status, message = await alice.post(
        f"/api/v1/rooms/{team.room}/messages", {"body": "**hi** bob"}
    )
    assert status == 201
    assert message["room"] == team.room and message["source"] == "api"
    assert message["html"].strip() == "<p><strong>hi</strong> bob</p>"
    assert message["author"] == {"username": "alice", "display_name": "Alice"}

    status, page = await bob.get(f"/api/v1/rooms/{team.room}/messages")
    assert status == 200 and [m["id"] for m in page["items"]] == [message["id"]]

    assert (await bob.patch(f"/api/v1/messages/{message['id']}", {"body": "mine now"}))[0] == 403
    assert (await bob.delete(f"/api/v1/messages/{message['id']}"))[0] == 403
    status, edited = await alice.patch(f"/api/v1/messages/{message['id']}", {"body": "hi again"})
    assert status == 200 and edited["body"] == "hi again" and edited["edited_at"]
    status, deleted = await alice.delete(f"/api/v1/messages/{message['id']}")
    assert (
        status == 200
        and deleted["body"] == ""
        and deleted["html"] == ""
        and deleted["id"] == message["id"]
    )
    assert (await alice.patch(f"/api/v1/messages/{message['id']}", {"body": "back"}))[0] == 409


async def test_admin_may_delete_but_not_edit_others_messages(
    people: dict[str, Api], team: Team
) -> None:
    _, message = await people["bob"].post(f"/api/v1/rooms/{team.room}/messages", {"body": "oops"})
    assert (await people["root"].patch(f"/api/v1/messages/{message['id']}", {"body": "x"}))[
        0
    ] == 403
    assert (await people["root"].delete(f"/api/v1/messages/{message['id']}"))[0] == 200


@pytest.mark.parametrize("who", ["carol", "dave"])
async def test_people_outside_the_room_see_nothing(
    people: dict[str, Api], team: Team, who: str
) -> None:
    _, message = await people["bob"].post(f"/api/v1/rooms/{team.room}/messages", {"body": "secret"})
    outsider = people[who]
    assert (await outsider.get(f"/api/v1/rooms/{team.room}/messages"))[0] == 404
    assert (await outsider.post(f"/api/v1/rooms/{team.room}/messages", {"body": "hi"}))[0] == 404
    assert (await outsider.patch(f"/api/v1/messages/{message['id']}", {"body": "x"}))[0] == 404
    assert (await outsider.delete(f"/api/v1/messages/{message['id']}"))[0] == 404


async def test_history_pages_backwards_from_the_newest(people: dict[str, Api], team: Team) -> None:
    alice = people["alice"]
    ids = [
        (await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": f"m{n}"}))[1]["id"]
        for n in range(7)
    ]
    _, newest = await alice.get(f"/api/v1/rooms/{team.room}/messages?limit=3")
    assert [m["id"] for m in newest["items"]] == ids[4:]
    _, older = await alice.get(
        f"/api/v1/rooms/{team.room}/messages?limit=3&before={newest['next']}"
    )
    assert [m["id"] for m in older["items"]] == ids[1:4]
    _, oldest = await alice.get(
        f"/api/v1/rooms/{team.room}/messages?limit=3&before={older['next']}"
    )
    assert [m["id"] for m in oldest["items"]] == ids[:1] and oldest["next"] is None
    _, forward = await alice.get(f"/api/v1/rooms/{team.room}/messages?after={ids[4]}")
    assert [m["id"] for m in forward["items"]] == ids[5:]


@pytest.mark.parametrize(
    "body",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
    ],
)
async def test_rendered_html_is_inert(people: dict[str, Api], team: Team, body: str) -> None:
    _, message = await people["alice"].post(f"/api/v1/rooms/{team.room}/messages", {"body": body})
    tags = TagCollector.of(message["html"])
    assert not {"script", "img", "iframe"} & {tag for tag, _ in tags}
    for _, attributes in tags:
        assert not any(name.startswith("on") for name in attributes)
        assert attributes.get("href", "https:").startswith(("https:", "http:", "mailto:"))


class TagCollector(HTMLParser):
    """The tags of an HTML fragment with their attributes, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    @classmethod
    def of(cls, html: str) -> list[tuple[str, dict[str, str]]]:
        parser = cls()
        parser.feed(html)
        return parser.tags


async def test_body_limits(people: dict[str, Api], team: Team) -> None:
    alice = people["alice"]
    status, body = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": "x" * 16385})
    assert status == 413 and body["error"]["code"] == "too_large"
    status, body = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": "   "})
    assert status == 400 and body["error"]["field"] == "body"
    status, body = await alice.post(f"/api/v1/rooms/{team.room}/messages", {"body": 5})
    assert status == 400 and body["error"]["field"] == "body"


async def test_task_comments(people: dict[str, Api], team: Team) -> None:
    alice, carol, dave = people["alice"], people["carol"], people["dave"]
    status, comment = await carol.post(f"/api/v1/tasks/{team.task}/comments", {"body": "on it"})
    assert status == 201 and comment["task"] == team.task
    status, page = await alice.get(f"/api/v1/tasks/{team.task}/comments")
    assert [c["body"] for c in page["items"]] == ["on it"]
    assert (await dave.get(f"/api/v1/tasks/{team.task}/comments"))[0] == 404
    assert (await dave.post(f"/api/v1/tasks/{team.task}/comments", {"body": "x"}))[0] == 404
    assert (await alice.patch(f"/api/v1/comments/{comment['id']}", {"body": "x"}))[0] == 403
    status, edited = await carol.patch(f"/api/v1/comments/{comment['id']}", {"body": "done"})
    assert status == 200 and edited["body"] == "done"
    assert (await carol.delete(f"/api/v1/comments/{comment['id']}"))[0] == 200
