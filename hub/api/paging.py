"""A list endpoint's query → the page to fetch, with the configured default and maximum size."""

from __future__ import annotations

from aiohttp import web

from hub.api.schemas import PageQuery
from hub.appkeys import SETTINGS
from hub.services.pagination import PageRequest, page_request


def page_from(request: web.Request, query: PageQuery, *, newest_first: bool = False) -> PageRequest:
    settings = request.app[SETTINGS]
    return page_request(
        query.limit,
        query.before,
        query.after,
        default=settings.page_size_default,
        maximum=settings.page_size_max,
        newest_first=newest_first,
    )
