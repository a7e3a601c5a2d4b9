"""Declared API endpoints: one decorator registers a handler with aiohttp and records the
pydantic models that validate its input and shape its output, so the OpenAPI document is
generated from exactly what the server enforces.

A handler receives the request plus `body=` and/or `query=` (validated models) when the
endpoint declares them, and returns a response model, a ready response, or None for 204.
Before the handler runs, in this order: the caller is authenticated (auth endpoints; 401) and,
for admin endpoints, must be an administrator (403), path ids out of the id range are 404, then
the query and the body are validated (400, 413): who asks is settled before what was sent is
looked at. Bodies are validated strictly (`1` is not `true`, `"5"` not 5); a query parameter
given twice is refused, since the document declares each one once.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from hub.appkeys import SETTINGS
from hub.auth.requests import require_admin, require_viewer
from hub.errors import Invalid, NotFound, TooLarge, invalid_from
from hub.services.pagination import MAX_ID

ModelT = TypeVar("ModelT", bound=BaseModel)
Handler = Callable[..., Awaitable[BaseModel | web.StreamResponse | None]]
_MAX_ID_DIGITS = len(str(MAX_ID))


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    auth: bool = True
    admin: bool = False
    errors: tuple[int, ...] = ()


@dataclass
class ApiRoutes:
    """The endpoints of one resource module; `app.py` adds each table to the application."""

    tag: str
    endpoints: list[Endpoint] = field(default_factory=list)

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        auth: bool = True,
        admin: bool = False,
        errors: tuple[int, ...] = (),
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.endpoints.append(
                Endpoint(
                    method=method.upper(),
                    path=path,
                    handler=handler,
                    summary=summary,
                    tag=self.tag,
                    body=body,
                    query=query,
                    response=response,
                    status=status,
                    auth=auth or admin,
                    admin=admin,
                    errors=errors,
                )
            )
            return handler

        return register


def add_endpoints(app: web.Application, tables: list[ApiRoutes]) -> list[Endpoint]:
    endpoints = [endpoint for table in tables for endpoint in table.endpoints]
    for endpoint in endpoints:
        app.router.add_route(endpoint.method, endpoint.path, _aiohttp_handler(endpoint))
    return endpoints


def _aiohttp_handler(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        if endpoint.admin:
            await require_admin(request)
        elif endpoint.auth:
            await require_viewer(request)
        _check_path_ids(request)
        arguments: dict[str, Any] = {}
        if endpoint.query is not None:
            arguments["query"] = parse_query(endpoint.query, request)
        if endpoint.body is not None:
            arguments["body"] = await parse_body(endpoint.body, request)
        result = await endpoint.handler(request, **arguments)
        if result is None:
            return web.Response(status=204)
        if isinstance(result, web.StreamResponse):
            return result
        return json_response(result, status=endpoint.status)

    handle.__name__ = endpoint.handler.__name__
    return handle


def json_response(model: BaseModel, *, status: int = 200) -> web.Response:
    return web.Response(
        body=model.model_dump_json().encode(),
        status=status,
        content_type="application/json",
    )


async def parse_body(model: type[ModelT], request: web.Request) -> ModelT:
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise TooLarge("request body too large") from None
    if not raw:
        raise Invalid("a JSON body is required")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise Invalid("malformed JSON") from None
    if not isinstance(data, dict):
        raise Invalid("the JSON body must be an object")
    _refuse_nul(data)
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        raise invalid_from(exc) from None


def parse_query(model: type[ModelT], request: web.Request) -> ModelT:
    for name in model.model_fields:
        if len(request.query.getall(name, ())) > 1:
            raise Invalid(f"{name}: give it once", field=name)
    _refuse_nul(dict(request.query))
    try:
        query = model.model_validate(dict(request.query))
    except ValidationError as exc:
        raise invalid_from(exc) from None
    limit = getattr(query, "limit", None)
    maximum = request.app[SETTINGS].page_size_max
    if isinstance(limit, int) and limit > maximum:
        raise Invalid(f"limit: must be at most {maximum}", field="limit")
    return query


def _refuse_nul(data: dict[str, Any]) -> None:
    """Refuse text holding a NUL character, which PostgreSQL cannot store in any text column.

    Walks the decoded JSON without recursion: json.loads accepts nesting deep enough that a
    recursive walk could exceed the interpreter's recursion limit.
    """
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:
        location, value = pending.pop()
        if isinstance(value, str) and "\x00" in value:
            raise Invalid(
                f"{location or 'body'}: NUL characters are not allowed", field=location or None
            )
        if isinstance(value, dict):
            for key, item in value.items():
                pending += [(location, key), (f"{location}.{key}" if location else key, item)]
        elif isinstance(value, list):
            pending += [(f"{location}.{n}" if location else str(n), v) for n, v in enumerate(value)]


def path_id(request: web.Request, name: str = "id") -> int:
    """An integer id from the path (range-checked before the handler runs)."""
    return int(request.match_info[name])


def _check_path_ids(request: web.Request) -> None:
    """Route patterns only match digits; an id beyond any stored id is simply not there (and
    must never reach the database driver, where it would overflow, nor `int()`, which refuses
    strings of thousands of digits)."""
    for value in request.match_info.values():
        if value.isdecimal() and (len(value) > _MAX_ID_DIGITS or int(value) > MAX_ID):
            raise NotFound("no such object")
