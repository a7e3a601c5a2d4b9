"""The OpenAPI 3.1 document, generated from the endpoints' own pydantic models, plus what the
routing enforces for every endpoint: the statuses it answers, the configured page size cap,
and that no input text holds a NUL character."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

import hub
from hub.api.routing import Endpoint
from hub.api.schemas import ErrorBody
from hub.appkeys import SETTINGS
from hub.services.commands import USERNAME_PATTERN

OPENAPI_PATH = "/api/openapi.json"
_REF_TEMPLATE = "#/components/schemas/{model}"
_PATH_PARAMETER = re.compile(r"\{(\w+)(?::[^}]*)?\}")
NUL_FREE_PATTERN = r"^[^\u0000]*$"
# Path parameters are ids (integers) but for these.
_PATH_SCHEMAS: dict[str, dict[str, Any]] = {
    "username": {"type": "string", "pattern": f"^{USERNAME_PATTERN.pattern}$"},
}
_ERROR_TEXT = {
    400: "Invalid input",
    401: "Not logged in",
    403: "Not allowed",
    404: "Not found (or not visible to you)",
    409: "Conflict",
    413: "Too large",
    429: "Rate limited",
    503: "Unavailable",
}


def openapi_path(aiohttp_path: str) -> str:
    """`/api/v1/boards/{id:\\d+}` → `/api/v1/boards/{id}`."""
    return _PATH_PARAMETER.sub(r"{\1}", aiohttp_path)


class _InputSchema(GenerateJsonSchema):
    """Input text without a pattern of its own is declared NUL-free: the routing refuses NUL in
    every string of a body or query (a pattern of a field's own must exclude NUL itself)."""

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        json_schema = super().str_schema(schema)
        if self.mode == "validation":
            json_schema.setdefault("pattern", NUL_FREE_PATTERN)
        return json_schema


def build_document(endpoints: list[Endpoint], *, page_size_max: int) -> dict[str, Any]:
    """The document; `page_size_max` is the configured cap that `limit` is checked against."""
    # Each model in the mode it is used in: input validated, output serialized.
    used: set[tuple[type[BaseModel], str]] = {(ErrorBody, "serialization")}
    for endpoint in endpoints:
        used.update((m, "validation") for m in (endpoint.body, endpoint.query) if m)
        if endpoint.response is not None:
            used.add((endpoint.response, "serialization"))
    keyed = sorted(used, key=lambda pair: (pair[0].__name__, pair[1]))
    refs, definitions = models_json_schema(
        keyed,  # type: ignore[arg-type]
        ref_template=_REF_TEMPLATE,
        schema_generator=_InputSchema,
    )
    schemas: dict[str, Any] = definitions.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    for endpoint in endpoints:
        operation = _operation(endpoint, refs, schemas, page_size_max)
        if operation["operationId"] in operation_ids:
            raise ValueError(f"two endpoints have the operationId {operation['operationId']!r}")
        operation_ids.add(operation["operationId"])
        paths.setdefault(openapi_path(endpoint.path), {})[endpoint.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "TaskFlow Hub API", "version": hub.__version__},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "taskflow_session"},
            },
        },
    }


def _operation(
    endpoint: Endpoint, refs: dict[Any, Any], schemas: dict[str, Any], page_size_max: int
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": endpoint.handler.__name__,
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
        "responses": {},
    }
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _PATH_SCHEMAS.get(name, {"type": "integer"}),
        }
        for name in _PATH_PARAMETER.findall(endpoint.path)
    ]
    if endpoint.query is not None:
        parameters += _query_parameters(refs[(endpoint.query, "validation")], schemas)
        for parameter in parameters:
            if parameter["name"] == "limit":
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": page_size_max}
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(endpoint.body, "validation")]}},
        }
    success: dict[str, Any] = {"description": "Success"}
    if endpoint.response is not None:
        success["content"] = {
            "application/json": {"schema": refs[(endpoint.response, "serialization")]}
        }
    elif endpoint.status != 204:
        success["content"] = {"text/plain": {"schema": {"type": "string"}}}
    operation["responses"][str(endpoint.status)] = success
    error_ref = refs[(ErrorBody, "serialization")]
    statuses = set(endpoint.errors)
    if endpoint.auth:
        statuses.add(401)
    if endpoint.admin:
        statuses.add(403)
    if endpoint.body is not None or endpoint.query is not None:
        statuses.add(400)
    if endpoint.body is not None:
        statuses.add(413)
    if parameters and any(p["in"] == "path" for p in parameters):
        statuses.add(404)
    for status in sorted(statuses):
        operation["responses"][str(status)] = {
            "description": _ERROR_TEXT.get(status, "Error"),
            "content": {"application/json": {"schema": error_ref}},
        }
    if endpoint.auth:
        operation["security"] = [{"bearer": []}, {"cookie": []}]
    return operation


def _query_parameters(ref: dict[str, Any], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """One query parameter per field of the query model (its schema is among the components,
    so that references inside a field's schema resolve)."""
    schema = schemas[ref["$ref"].rsplit("/", 1)[-1]]
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def add_openapi_route(app: web.Application, endpoints: list[Endpoint]) -> None:
    document = build_document(endpoints, page_size_max=app[SETTINGS].page_size_max)
    document["paths"][OPENAPI_PATH] = {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "tags": ["operations"],
            "responses": {
                "200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}
            },
        }
    }

    async def serve(_request: web.Request) -> web.Response:
        return web.json_response(document)

    app.router.add_get(OPENAPI_PATH, serve)
