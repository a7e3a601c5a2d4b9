"""Bad input never gets a 500: table-driven over every endpoint in the app's registry
(hub/app.py API_TABLES), so routes added later are covered without touching this file.

Bodies are built from each endpoint's own request model: a minimal valid body (required fields
only) is made from its JSON schema and then spoiled one way at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from itertools import product
from typing import Any

from aiohttp import web
from hypothesis import find
from hypothesis import strategies as st
from pydantic import BaseModel

from hub.api.openapi import openapi_path
from hub.api.routing import Endpoint
from hub.app import API_TABLES
from hub.appkeys import SETTINGS
from tests.conftest import Api, UserFactory

ENDPOINTS = [endpoint for table in API_TABLES for endpoint in table.endpoints]
UNKNOWN_ID = "987654321"
_PARAMETER = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def endpoint_id(endpoint: Endpoint) -> str:
    return f"{endpoint.method} {openapi_path(endpoint.path)}"


BODY_ENDPOINTS = [endpoint for endpoint in ENDPOINTS if endpoint.body is not None]
LIMIT_ENDPOINTS = [e for e in ENDPOINTS if e.query is not None and "limit" in e.query.model_fields]
ID_ENDPOINTS = [endpoint for endpoint in ENDPOINTS if _PARAMETER.search(endpoint.path)]
AUTH_ENDPOINTS = [e for e in ENDPOINTS if e.auth and e.path.startswith("/api/")]


class Findings:
    """Every failing (endpoint, case) of a table, reported together at the end: one app per
    table keeps the suite fast, and one run still names every endpoint that misbehaves."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    @contextmanager
    def case(self, endpoint: Endpoint, what: str) -> Iterator[None]:
        try:
            yield
        except AssertionError as exc:
            self.failures.append(f"{endpoint_id(endpoint)} [{what}]: {exc}")

    def assert_none(self) -> None:
        assert not self.failures, "\n".join(self.failures)


def concrete_path(endpoint: Endpoint, value: str = UNKNOWN_ID) -> str:
    """The path with `value` for each id (a `{username}` gets a name nobody has)."""
    return _PARAMETER.sub(
        lambda match: "nobody" if match.group(1) == "username" else value, endpoint.path
    )


def assert_error(body: Any, status: int, expected_status: int, code: str) -> None:
    """The contract's error shape, exactly: {"error": {"code", "message", "field"?}}."""
    assert status == expected_status, body
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message"} <= set(error) <= {"code", "message", "field"}, body
    assert error["code"] == code, body
    assert isinstance(error["message"], str) and error["message"], body
    assert isinstance(error.get("field", ""), str), body


def assert_field(body: Any, name: str) -> None:
    field = body["error"].get("field")
    assert field == name or str(field).startswith(f"{name}."), body


@cache
def matching(pattern: str) -> str:
    """The simplest string matching `pattern` (found once per pattern: finding takes time)."""
    return find(st.from_regex(pattern, fullmatch=True), lambda _: True)


class Schema:
    """A request model's JSON schema (validation mode), with its local references resolved."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self.root = model.model_json_schema()

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        return node

    @property
    def properties(self) -> dict[str, dict[str, Any]]:
        return {name: self.resolve(prop) for name, prop in self.root["properties"].items()}

    @property
    def required(self) -> list[str]:
        return required_of(self.root)

    def options(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        """The alternatives of a union (or the one schema), each resolved. An object whose
        `oneOf` only says which properties it needs (one of "room" or "board") is one schema."""
        node = self.resolve(node)
        if "properties" in node:
            return [node]
        branches = node.get("anyOf") or node.get("oneOf")
        if branches is None:
            return [node]
        return [option for branch in branches for option in self.options(branch)]

    def json_types(self, node: dict[str, Any]) -> set[str]:
        types: set[str] = set()
        for option in self.options(node):
            if "const" in option or "enum" in option:
                values = [option["const"]] if "const" in option else option["enum"]
                types |= {type(value).__name__ for value in values}
            kind = option.get("type", "object" if "properties" in option else None)
            types |= set(kind) if isinstance(kind, list) else {kind} if kind else set()
        return types

    def example(self, node: dict[str, Any]) -> Any:
        """The simplest value the schema accepts (required properties only)."""
        option = next(o for o in self.options(node) if o.get("type") != "null")
        if "const" in option:
            return option["const"]
        if "enum" in option:
            return option["enum"][0]
        kind = option.get("type", "object")
        if kind == "string":
            if "pattern" in option:
                return matching(option["pattern"])
            return "x" * max(1, option.get("minLength", 1))
        if kind in ("integer", "number"):
            return max(1, option.get("minimum", 1), option.get("exclusiveMinimum", 0) + 1)
        if kind == "boolean":
            return False
        if kind == "array":
            return [self.example(option["items"])] * option.get("minItems", 0)
        properties = option.get("properties", {})
        return {name: self.example(properties[name]) for name in required_of(option)}

    def minimal_body(self) -> dict[str, Any]:
        body: dict[str, Any] = self.example(self.root)
        self.model.model_validate(body)  # a generator that cannot build a valid body must say so
        return body

    def max_length(self, node: dict[str, Any]) -> int | None:
        lengths = [o["maxLength"] for o in self.options(node) if "maxLength" in o]
        return min(lengths) if lengths else None


def required_of(node: dict[str, Any]) -> list[str]:
    """An object's required properties, with those of the first of its `oneOf` choices."""
    choices = [branch.get("required", []) for branch in node.get("oneOf", [])]
    return [*node.get("required", []), *(choices[0] if choices else [])]


def wrong_value(json_types: set[str]) -> Any:
    """A value of a JSON type the field does not accept."""
    for candidate, json_type in (({"wrong": "type"}, "object"), (["wrong"], "array")):
        if json_type not in json_types:
            return candidate
    assert "string" not in json_types, f"no wrong-typed value for {json_types}"
    return "wrong"


async def send(
    api: Api, endpoint: Endpoint, *, path: str | None = None, **kwargs: Any
) -> tuple[int, Any]:
    return await api.call(endpoint.method, path or concrete_path(endpoint), **kwargs)


async def test_bodies_that_are_not_json_objects_are_invalid(admin: Api) -> None:
    assert BODY_ENDPOINTS
    findings = Findings()
    json_headers = {**admin.headers(), "Content-Type": "application/json"}
    raws = [b'{"unterminated": ', b"[]", b'[{"a": 1}]', b"", b"null", b"42", b"[" * 100_000]
    for endpoint, raw in product(BODY_ENDPOINTS, raws):
        with findings.case(endpoint, repr(raw[:20])):
            async with admin.client.request(
                endpoint.method, concrete_path(endpoint), data=raw, headers=json_headers
            ) as response:
                assert_error(await response.json(), response.status, 400, "invalid")
    findings.assert_none()


async def test_bad_fields_are_invalid_and_named(admin: Api) -> None:
    findings = Findings()
    for endpoint in BODY_ENDPOINTS:
        assert endpoint.body is not None
        schema = Schema(endpoint.body)
        minimal = schema.minimal_body()
        spoiled = [("unknown field", "no_such_field", {**minimal, "no_such_field": 1})]
        spoiled += [
            (f"missing {name}", name, {k: v for k, v in minimal.items() if k != name})
            for name in schema.required
        ]
        spoiled += [
            (f"wrong type {name}", name, {**minimal, name: wrong_value(schema.json_types(prop))})
            for name, prop in schema.properties.items()
        ]
        spoiled += [
            (f"NUL in {name}", name, {**minimal, name: "a\x00b"})
            for name, prop in schema.properties.items()
            if "string" in schema.json_types(prop)
        ]
        for what, field, body_sent in spoiled:
            with findings.case(endpoint, what):
                status, body = await send(admin, endpoint, json=body_sent)
                assert_error(body, status, 400, "invalid")
                assert_field(body, field)
    findings.assert_none()


async def make_world(admin: Api) -> dict[str, str]:
    """One object of each kind, made through the API: path segment → id of an existing object."""
    world: dict[str, str] = {}

    async def create(kind: str, path: str, body: dict[str, Any]) -> None:
        status, created = await admin.post(path, body)
        assert status == 201, (path, created)
        world[kind] = str(created["id"])

    await create("boards", "/api/v1/boards", {"name": "World"})
    await create("tasks", f"/api/v1/boards/{world['boards']}/tasks", {"title": "A task"})
    await create("rooms", f"/api/v1/boards/{world['boards']}/rooms", {"name": "world-room"})
    await create("messages", f"/api/v1/rooms/{world['rooms']}/messages", {"body": "hello"})
    await create("comments", f"/api/v1/tasks/{world['tasks']}/comments", {"body": "hello"})
    return world


def existing_path(endpoint: Endpoint, world: dict[str, str]) -> str:
    """The path with the id of an existing object of the kind its segment names."""

    def existing(match: re.Match[str]) -> str:
        kind = endpoint.path[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        return world.get(kind, UNKNOWN_ID)

    return _PARAMETER.sub(existing, endpoint.path)


async def test_over_long_strings_are_refused(admin: Api) -> None:
    """On existing objects: a declared maxLength is enforced (400 naming the field); a string
    with no declared bound is still refused beyond HUB_MAX_MESSAGE_BYTES (400, or 413
    `too_large`) and never stored or answered with a 5xx. (404 only where the path names a
    kind of object `make_world` does not make yet.)"""
    findings = Findings()
    world = await make_world(admin)
    too_long = admin.client.app[SETTINGS].max_message_bytes + 1
    for endpoint in BODY_ENDPOINTS:
        assert endpoint.body is not None
        schema = Schema(endpoint.body)
        minimal = schema.minimal_body()
        for name, prop in schema.properties.items():
            if "string" not in schema.json_types(prop):
                continue
            limit = schema.max_length(prop)
            with findings.case(endpoint, f"over-long {name}"):
                status, body = await send(
                    admin,
                    endpoint,
                    path=existing_path(endpoint, world),
                    json={**minimal, name: "x" * (limit + 1 if limit else too_long)},
                )
                if limit is not None:
                    assert_error(body, status, 400, "invalid")
                    assert_field(body, name)
                    continue
                allowed = {400: "invalid", 413: "too_large"}
                if UNKNOWN_ID in existing_path(endpoint, world):
                    allowed[404] = "not_found"
                assert status in allowed, (status, body)
                assert_error(body, status, status, allowed[status])
    findings.assert_none()


async def test_request_larger_than_the_cap_is_too_large(admin: Api) -> None:
    findings = Findings()
    payload = b'{"body": "' + b"x" * admin.client.app[SETTINGS].max_request_bytes + b'"}'
    headers = {**admin.headers(), "Content-Type": "application/json"}
    for endpoint in BODY_ENDPOINTS:
        with findings.case(endpoint, "large request"):
            async with admin.client.request(
                endpoint.method, concrete_path(endpoint), data=payload, headers=headers
            ) as response:
                assert_error(await response.json(), response.status, 413, "too_large")
    findings.assert_none()


async def test_bad_page_queries_are_invalid(admin: Api) -> None:
    findings = Findings()
    cap = admin.client.app[SETTINGS].page_size_max
    bad = [
        ("limit", "0"),
        ("limit", "-1"),
        ("limit", "abc"),
        ("limit", "1.5"),
        ("limit", ""),
        ("limit", str(10**30)),
        ("limit", "9" * 5000),
        ("limit", str(cap + 1)),
        ("before", "abc"),
        ("after", "-5"),
        ("before", str(2**70)),
        ("q", "a\x00"),
    ]
    for endpoint, (name, value) in product(LIMIT_ENDPOINTS, bad):
        assert endpoint.query is not None
        if name not in endpoint.query.model_fields:
            continue
        with findings.case(endpoint, f"{name}={value[:20]}"):
            status, body = await send(admin, endpoint, params={name: value})
            assert_error(body, status, 400, "invalid")
            assert_field(body, name)
    findings.assert_none()


async def test_cursors_beyond_every_id_are_just_cursors(admin: Api) -> None:
    """`before`/`after` past the largest id that exists, or can exist, page like any other."""
    findings = Findings()
    world = await make_world(admin)
    for endpoint in LIMIT_ENDPOINTS:
        path = existing_path(endpoint, world)
        for name, value in product(("before", "after"), (str(2**31), str(2**62))):
            with findings.case(endpoint, f"{name}={value}"):
                status, body = await send(admin, endpoint, path=path, params={name: value})
                if UNKNOWN_ID in path and status == 404:
                    continue
                assert status == 200, (status, body)
                assert set(body) == {"items", "next"}, body
    findings.assert_none()


async def test_unknown_or_impossible_ids_are_not_found(admin: Api) -> None:
    """As an administrator, who may see everything: with a valid body, an id nobody has is 404;
    ids out of range (or not digits) are 404 before any input is looked at."""
    findings = Findings()
    for endpoint in ID_ENDPOINTS:
        minimal = Schema(endpoint.body).minimal_body() if endpoint.body is not None else None
        for unknown in (UNKNOWN_ID, str(2**31), str(2**62)):  # 2**31: past 32-bit columns
            with findings.case(endpoint, f"unknown id {unknown}"):
                status, body = await send(
                    admin, endpoint, path=concrete_path(endpoint, unknown), json=minimal
                )
                assert_error(body, status, 404, "not_found")
        for value in (str(2**63), str(2**70), "9" * 5000, "abc", "-1", "1.0", "%20"):
            with findings.case(endpoint, f"id {value[:20]}"):
                status, body = await send(admin, endpoint, path=concrete_path(endpoint, value))
                assert_error(body, status, 404, "not_found")
    findings.assert_none()


async def test_anonymous_is_unauthenticated_before_anything_else(anonymous: Api) -> None:
    assert AUTH_ENDPOINTS
    findings = Findings()
    credentials = [{}, {"Authorization": "Bearer not-a-token"}, {"Cookie": "taskflow_session=x"}]
    for endpoint, headers, data in product(AUTH_ENDPOINTS, credentials, (None, b"not json")):
        with findings.case(endpoint, f"{headers} {data!r}"):
            async with anonymous.client.request(
                endpoint.method, concrete_path(endpoint), data=data, headers=headers
            ) as response:
                assert_error(await response.json(), response.status, 401, "unauthenticated")
    findings.assert_none()


def _wrong_methods(app: web.Application) -> list[tuple[str, str]]:
    served: dict[str, set[str]] = {}
    for route in app.router.routes():
        if route.resource is not None and route.resource.canonical.startswith("/api/"):
            served.setdefault(route.resource.canonical, set()).add(route.method)
    return [
        (path, next(m for m in ("PUT", "DELETE", "PATCH", "POST", "GET") if m not in methods))
        for path, methods in served.items()
    ]


async def test_wrong_method_is_405_with_allow_and_the_error_shape(admin: Api) -> None:
    wrong = _wrong_methods(admin.client.app)
    assert wrong
    for template, method in wrong:
        path = _PARAMETER.sub(UNKNOWN_ID, template)
        async with admin.client.request(method, path, headers=admin.headers()) as response:
            assert_error(await response.json(), response.status, 405, "invalid")
            assert method not in response.headers["Allow"]
            assert response.headers["Allow"]


async def test_unknown_api_path_is_404_json(admin: Api) -> None:
    paths = ["/api/v1/no-such-thing", "/api/nothing", "/api/v2/me", "/api/v1/me/extra"]
    for path in paths:
        status, body = await admin.get(path)
        assert_error(body, status, 404, "not_found")
    admin.client.session.cookie_jar.clear()  # the admin fixture's login left its cookie there
    for path in paths:
        status, body = await Api(admin.client).post(path, {"x": 1})
        assert_error(body, status, 404, "not_found")


ADMIN_ENDPOINTS = [endpoint for endpoint in ENDPOINTS if endpoint.admin]


async def test_non_admins_are_forbidden_before_their_input_is_looked_at(
    make_user: UserFactory,
) -> None:
    """401, then 403, then 400: who asks is settled before what was sent."""
    assert ADMIN_ENDPOINTS
    alice = await make_user("alice")
    findings = Findings()
    for endpoint, raw in product(ADMIN_ENDPOINTS, (b"not json", b"{}", b'{"no_such_field": 1}')):
        with findings.case(endpoint, repr(raw)):
            async with alice.client.request(
                endpoint.method,
                concrete_path(endpoint),
                data=raw,
                headers={**alice.headers(), "Content-Type": "application/json"},
            ) as response:
                assert_error(await response.json(), response.status, 403, "forbidden")
    findings.assert_none()


async def test_query_numbers_are_digits_given_once(admin: Api) -> None:
    """A query integer as the document declares it: written in ASCII digits, given once."""
    findings = Findings()
    loose = ["0.0", "1.0", " 5", "5 ", "+5", "1_000", "\uff15", "0x10", "1e3"]
    for endpoint in LIMIT_ENDPOINTS:
        for name, value in product(("limit", "before", "after"), loose):
            with findings.case(endpoint, f"{name}={value!r}"):
                status, body = await send(admin, endpoint, params={name: value})
                assert_error(body, status, 400, "invalid")
                assert_field(body, name)
        for name in ("limit", "before", "after"):
            with findings.case(endpoint, f"{name} twice"):
                status, body = await send(admin, endpoint, params=[(name, "1"), (name, "2")])
                assert_error(body, status, 400, "invalid")
                assert_field(body, name)
    findings.assert_none()


async def test_null_is_refused_exactly_where_the_schema_refuses_it(admin: Api) -> None:
    """On existing objects, each field of each body sent as null: refused naming the field
    when its schema has no null, never refused for that field when it has."""
    findings = Findings()
    world = await make_world(admin)
    for endpoint in BODY_ENDPOINTS:
        assert endpoint.body is not None
        schema = Schema(endpoint.body)
        minimal = schema.minimal_body()
        for name, prop in schema.properties.items():
            nullable = "null" in schema.json_types(prop)
            with findings.case(endpoint, f"{name}: null ({'nullable' if nullable else 'not'})"):
                status, body = await send(
                    admin,
                    endpoint,
                    path=existing_path(endpoint, world),
                    json={**minimal, name: None},
                )
                if nullable:
                    refused_for_it = status == 400 and str(body["error"].get("field")) == name
                    assert status < 500 and not refused_for_it, (status, body)
                else:
                    assert_error(body, status, 400, "invalid")
                    assert_field(body, name)
    findings.assert_none()


async def test_bodies_are_not_coerced(admin: Api) -> None:
    """JSON types as declared: 1 or "true" is not a boolean, "5" not a number, 1 not text."""
    status, body = await admin.post(
        "/api/v1/users", {"username": "bob", "password": "long enough", "is_admin": 1}
    )
    assert_error(body, status, 400, "invalid")
    assert_field(body, "is_admin")
    status, body = await admin.post(
        "/api/v1/users", {"username": "bob", "password": "long enough", "is_admin": "true"}
    )
    assert_error(body, status, 400, "invalid")
    status, body = await admin.post("/api/v1/boards", {"name": 5})
    assert_error(body, status, 400, "invalid")
    assert_field(body, "name")
