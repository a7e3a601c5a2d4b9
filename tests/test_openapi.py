"""GET /api/openapi.json is a valid OpenAPI 3.1 document of every API route the server has.

The document covers the JSON API (/api/...) and the operations endpoints (/healthz, /readyz,
/metrics). Routes outside those are not JSON operations and are left out on purpose: the
dashboard pages and static files, the WebSocket upgrade (/ws, its frames are DESIGN §6), avatar
images, and bridge webhooks whose payloads the platforms define.
"""

from __future__ import annotations

import re
from typing import Any

from openapi_spec_validator import validate

from hub.appkeys import SETTINGS
from tests.conftest import Api

DOCUMENTED_OUTSIDE_API = ("/healthz", "/readyz", "/metrics")
_PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def is_documented(path: str) -> bool:
    return path.startswith("/api/") or path in DOCUMENTED_OUTSIDE_API


async def fetch_document(anonymous: Api) -> dict[str, Any]:
    status, document = await anonymous.get("/api/openapi.json")
    assert status == 200, document
    assert isinstance(document, dict)
    return document


def router_operations(anonymous: Api) -> set[tuple[str, str]]:
    """(method, path template) of every route on the aiohttp router, HEAD left out."""
    operations = set()
    for route in anonymous.client.app.router.routes():
        if route.method == "HEAD" or route.resource is None:
            continue
        operations.add((route.method.lower(), route.resource.canonical))
    return operations


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"unresolved $ref {ref}"
        node = node[part]
    return node


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs_in(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs_in(value)]
    return []


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


async def test_document_is_valid_openapi_31_without_login(anonymous: Api) -> None:
    document = await fetch_document(anonymous)
    assert document["openapi"].startswith("3.1")
    validate(document)


async def test_every_api_route_is_documented_with_its_method(anonymous: Api) -> None:
    document = await fetch_document(anonymous)
    documented = {(method, path) for method, path, _ in operations(document)}
    served = {
        (method, path) for method, path in router_operations(anonymous) if is_documented(path)
    }
    assert served, "the router has no API routes at all"
    assert served - documented == set(), "served but missing from /api/openapi.json"
    assert documented - served == set(), "documented but not served"
    assert ("get", "/api/openapi.json") in documented
    for path in DOCUMENTED_OUTSIDE_API:
        assert ("get", path) in documented


async def test_every_reference_resolves(anonymous: Api) -> None:
    document = await fetch_document(anonymous)
    references = refs_in(document["paths"])
    assert references, "no operation refers to a schema"
    seen: set[str] = set()
    while references:
        ref = references.pop()
        if ref not in seen:
            seen.add(ref)
            references += refs_in(resolve(document, ref))


async def test_bodies_and_responses_have_schemas(anonymous: Api) -> None:
    document = await fetch_document(anonymous)
    for method, path, operation in operations(document):
        where = f"{method.upper()} {path}"
        body = operation.get("requestBody")
        if body is not None:
            schema = body["content"]["application/json"]["schema"]
            assert resolve(document, schema["$ref"])["type"] == "object", where
        successes = [status for status in operation["responses"] if status.startswith("2")]
        assert len(successes) == 1, where
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert set(resolve(document, schema["$ref"])["properties"]) == {"error"}, where


async def test_path_parameters_are_declared(anonymous: Api) -> None:
    document = await fetch_document(anonymous)
    for method, path, operation in operations(document):
        declared = {
            parameter["name"]: parameter
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "path"
        }
        assert set(declared) == set(_PATH_PARAMETER.findall(path)), f"{method} {path}"
        for name, parameter in declared.items():
            assert parameter["required"] is True
            if name == "username":  # DELETE .../members/{username} (issue 13)
                assert parameter["schema"] == {
                    "type": "string",
                    "pattern": "^[A-Za-z0-9_.-]{1,32}$",
                }
            else:
                assert parameter["schema"] == {"type": "integer"}


async def test_operation_ids_are_unique_and_auth_is_declared(anonymous: Api) -> None:
    document = await fetch_document(anonymous)
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids))
    for method, path, operation in operations(document):
        if "security" in operation:
            assert "401" in operation["responses"], f"{method} {path}"
    assert "security" not in document["paths"]["/api/v1/auth/login"]["post"]
    assert "security" in document["paths"]["/api/v1/me"]["get"]


async def test_limit_parameter_states_the_configured_cap(anonymous: Api) -> None:
    document = await fetch_document(anonymous)
    cap = anonymous.client.app[SETTINGS].page_size_max
    limits = [
        parameter
        for _, _, operation in operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "limit"
    ]
    for parameter in limits:
        assert parameter["in"] == "query" and parameter["required"] is False
        assert parameter["schema"]["maximum"] == cap


def input_string_schemas(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(where, schema) of every string a request may send: in bodies and query parameters."""
    pending: list[tuple[str, Any]] = []
    for method, path, operation in operations(document):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        if "schema" in body:
            pending.append((f"{method.upper()} {path} body", body["schema"]))
        pending += [
            (f"{method.upper()} {path} ?{parameter['name']}", parameter["schema"])
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "query"
        ]
    found: list[tuple[str, dict[str, Any]]] = []
    while pending:
        where, node = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                pending.append((where, resolve(document, node["$ref"])))
            if node.get("type") == "string" and "enum" not in node:
                found.append((where, node))
            pending += [(where, value) for value in node.values() if isinstance(value, dict | list)]
        elif isinstance(node, list):
            pending += [(where, value) for value in node]
    return found


async def test_every_input_string_is_declared_nul_free(anonymous: Api) -> None:
    """The server refuses NUL in every string of a body or query; the document says so."""
    strings = input_string_schemas(await fetch_document(anonymous))
    assert len(strings) > 20
    for where, schema in strings:
        assert "pattern" in schema, where
        assert re.search(schema["pattern"], "a\x00b") is None, (where, schema["pattern"])


async def test_refusals_are_documented_per_route(anonymous: Api) -> None:
    document = await fetch_document(anonymous)
    create_user = document["paths"]["/api/v1/users"]["post"]["responses"]
    assert {"400", "401", "403", "409"} <= set(create_user)  # 403: an admin-only route
    patch_me = document["paths"]["/api/v1/me"]["patch"]["responses"]
    assert "400" in patch_me and "403" not in patch_me  # a wrong current_password is a 400
    me_patch = resolve(
        document,
        document["paths"]["/api/v1/me"]["patch"]["requestBody"]["content"]["application/json"][
            "schema"
        ]["$ref"],
    )
    assert me_patch["dependentRequired"] == {"password": ["current_password"]}
    board_in = resolve(
        document,
        document["paths"]["/api/v1/boards"]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ]["$ref"],
    )
    assert board_in["properties"]["columns"]["uniqueItems"] is True
