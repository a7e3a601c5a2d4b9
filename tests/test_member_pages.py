"""The members page and the room's member panel without JavaScript (issue 13): the forms post,
come back, and a refused one says why in a sentence with what was typed kept; the person
directory the invite form suggests from."""

from __future__ import annotations

from tests.conftest import Api, UserFactory
from tests.realtime import make_team
from tests.test_webui import Html, browser_login, get_page, page_csrf


def usernames(page: Html) -> list[str]:
    return [item.attrs["data-username"] for item in page.find("data-testid", "member")]


async def post_form(api: Api, path: str, page: Html, **fields: str) -> tuple[int, Html, str]:
    data = {"csrf_token": page_csrf(page), **fields}
    async with api.client.post(path, data=data, allow_redirects=False) as response:
        return response.status, Html(await response.text()), response.headers.get("Location", "")


async def test_board_members_page_forms_without_javascript(make_user: UserFactory) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    carol = await make_user("carol")
    team = await make_team(alice, bob)
    path = f"/boards/{team.board}/members/"
    await browser_login(bob.client, "bob")
    status, page, _ = await get_page(bob.client, path)
    assert status == 200 and usernames(page) == ["alice", "bob"]
    assert not page.find("data-testid", "add-member-form")
    assert not page.find("data-testid", "remove-member")

    await browser_login(alice.client, "alice")
    _, page, _ = await get_page(alice.client, path)
    assert len(page.find("data-testid", "remove-member")) == 1  # bob's; not her own
    status, refused, _ = await post_form(alice, path, page, username="ghost")
    assert status == 400
    assert refused.one("data-member-error").text == "There is nobody called ghost."
    assert refused.one("name", "username").attrs["value"] == "ghost"
    status, _, location = await post_form(alice, path, page, username="carol")
    assert (status, location) == (303, path)
    _, page, _ = await get_page(alice.client, path)
    assert usernames(page) == ["alice", "bob", "carol"]
    status, _, location = await post_form(alice, f"{path}carol/remove", page)
    assert (status, location) == (303, path)
    assert (await carol.get(f"/api/v1/boards/{team.board}"))[0] == 404


async def test_room_member_panel_forms_without_javascript(make_user: UserFactory) -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    await make_user("carol")
    team = await make_team(alice, bob, room_members=[])
    await alice.post(f"/api/v1/boards/{team.board}/members", {"username": "carol"})
    await alice.post(f"/api/v1/rooms/{team.room}/members", {"username": "bob"})
    room = f"/messaging/room/{team.room}/"
    await browser_login(bob.client, "bob")
    _, page, _ = await get_page(bob.client, room)
    assert usernames(page) == ["alice", "bob"]
    assert not page.find("data-testid", "remove-member")  # bob owns nothing
    status, refused, _ = await post_form(bob, f"{room}members/", page, username="dave")
    assert status == 400 and refused.one("name", "username").attrs["value"] == "dave"
    assert refused.one("data-member-error").text == "There is nobody called dave."
    status, _, location = await post_form(bob, f"{room}members/", page, username="carol")
    assert (status, location) == (303, room)
    _, page, _ = await get_page(bob.client, room)
    assert usernames(page) == ["alice", "bob", "carol"]
    status, _, location = await post_form(bob, f"{room}members/bob/remove", page)  # leave
    assert (status, location) == (303, "/")
    assert (await get_page(bob.client, room))[0] == 404


async def test_people_to_invite_by_prefix(make_user: UserFactory) -> None:
    alice = await make_user("alice")
    await make_user("albert")
    bob = await make_user("bob")
    status, body = await bob.get("/api/v1/users", params={"q": "AL"})
    assert status == 403 and body["error"]["code"] == "forbidden"  # he owns no board
    assert (await alice.post("/api/v1/boards", {"name": "Alice's"}))[0] == 201
    status, page = await alice.get("/api/v1/users", params={"q": "AL"})
    assert status == 200
    assert [p["username"] for p in page["items"]] == ["alice", "albert"]
    assert set(page["items"][0]) == {"username", "display_name"}
