"""No open redirect: after a login (`next`) or an admin form (`back`) the browser is sent to a
path on the hub, whatever the value held. Checked on `local_path` itself, then on the
Location header and the login form that a real request gets, as a browser would read them."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from tests.conftest import DEFAULT_PASSWORD, UserFactory
from tests.test_webui import Client, Html, browser_login, get_page, page_csrf
from webui.redirects import local_path

HUB = "https://hub.example.com"

# Each of these would leave the site, or could in some browser or proxy: all become "/".
REFUSED = [
    "/\t/evil.example/x",  # yarl drops the tab: `//evil.example/x`
    "/\n/evil.example",
    "/\r/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    "/%09/evil.example",  # a tab once decoded
    "//evil.example",
    "///evil.example",
    "//evil.example/%2F..",
    " //evil.example",  # leading spaces are dropped by yarl and by browsers
    "  /\t/evil.example",
    "/\\evil.example",  # browsers read a backslash as a slash
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "/%5Cevil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/.//evil.example",  # `//evil.example` once the dot segment is resolved
    "/./evil.example",
    "/../evil.example",
    "/a/../..//evil.example",
    "/%2e%2e//evil.example",
    "/%2E/evil.example",
    "https://evil.example/",
    "HTTPS://evil.example/",
    "http:evil.example",
    "http:/evil.example",
    "https:\\\\evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "",
    "\uff0f\uff0fevil.example",  # fullwidth solidus, which IDNA maps to "/" in a host
    "\u2215\u2215evil.example",  # division slash
    "/\u3000/evil.example",  # ideographic space
    "/\xa0/evil.example",
    "/\x85/evil.example",  # NEL
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "/\x1c/evil.example",
    # The hub's own address is refused too: its own links are paths, and the Host header a
    # check would compare with is the client's to choose.
    "http://127.0.0.1:8000/boards/",
    "//127.0.0.1:8000/boards/",
    f"{HUB}/boards/",
]

# Paths on the hub stay as they are (percent-encoded as they will be sent).
KEPT = [
    ("/", "/"),
    ("/boards/3/", "/boards/3/"),
    ("/messaging/notifications/?unread=1", "/messaging/notifications/?unread=1"),
    ("/admin/messages/?before=20", "/admin/messages/?before=20"),
    ("/boards/3/#tasks", "/boards/3/#tasks"),
    ("/messaging/room/5/?q=%2F%2Fx", "/messaging/room/5/?q=//x"),  # only the path moves
    ("/café", "/caf%C3%A9"),
    ("/@evil.example", "/@evil.example"),  # a path whose first segment starts with "@"
    ("/a/.well/b", "/a/.well/b"),
    # After a leading "/" a browser is reading a path, where Unicode slashes are only text.
    ("/\uff0f\uff0fevil.example", "/%EF%BC%8F%EF%BC%8Fevil.example"),
]


def stays_on_the_hub(location: str) -> bool:
    """Whether a browser on the hub, sent to `location`, stays on it (and nothing in the value
    could be read another way)."""
    resolved = urlsplit(urljoin(f"{HUB}/login", location))
    return (
        f"{resolved.scheme}://{resolved.netloc}" == HUB
        and location.startswith("/")
        and location[1:2] not in ("/", "\\")
        and location.isascii()
        and location.isprintable()
        and " " not in location
    )


@pytest.mark.parametrize("target", REFUSED)
def test_targets_that_could_leave_the_site_become_the_home_page(target: str) -> None:
    assert local_path(target) == "/"


@pytest.mark.parametrize(("target", "sent"), KEPT)
def test_paths_on_the_site_are_kept_as_they_will_be_sent(target: str, sent: str) -> None:
    assert local_path(target) == sent
    assert local_path(sent) == sent
    assert stays_on_the_hub(sent)


async def test_login_form_and_redirect_stay_on_the_site(
    client: Client, make_user: UserFactory
) -> None:
    """Through real requests: what GET /login?next= puts in the form, and the Location that
    POST /login answers, for every value of both tables."""
    await make_user("alice")
    failures = []
    for target, expected in [(t, "/") for t in REFUSED] + KEPT:
        # A NUL is refused with the form (400) before `next` is looked at.
        status_expected, location_expected = (400, "") if "\x00" in target else (303, expected)
        client.session.cookie_jar.clear()
        async with client.get("/login", params={"next": target}) as response:
            form_next = Html(await response.text()).one("name", "next").attrs["value"]
        async with client.post(
            "/login",
            data={"username": "alice", "password": DEFAULT_PASSWORD, "next": target},
            allow_redirects=False,
        ) as response:
            status, location = response.status, response.headers.get("Location", "")
        if (form_next, status, location) != (expected, status_expected, location_expected):
            failures.append(f"{target!r}: form {form_next!r}, {status} Location {location!r}")
        elif location and not stays_on_the_hub(location):
            failures.append(f"{target!r}: Location {location!r} may leave the site")
    assert not failures, "\n".join(failures)


async def test_admin_forms_go_back_to_a_local_path_only(
    client: Client, make_user: UserFactory
) -> None:
    root = await make_user("root", admin=True)
    _, board = await root.post("/api/v1/boards", {"name": "B"})
    _, room = await root.post(f"/api/v1/boards/{board['id']}/rooms", {"name": "r"})
    await browser_login(client, "root")
    _, page, _ = await get_page(client, "/admin/messages/")
    csrf = page_csrf(page)
    for back, expected in [("/\t/evil.example/x", "/"), ("/admin/messages/", "/admin/messages/")]:
        _, message = await root.post(f"/api/v1/rooms/{room['id']}/messages", {"body": "x"})
        async with client.post(
            f"/admin/messages/{message['id']}/delete",
            data={"back": back, "csrf_token": csrf},
            allow_redirects=False,
        ) as response:
            assert response.status == 303, back
            assert response.headers["Location"] == expected, back
