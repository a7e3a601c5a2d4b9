"""Room messages and task comments over HTTP: the same use-cases as the WebSocket's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel

from hub.api.paging import page_from
from hub.api.routing import ApiRoutes, Handler, path_id
from hub.api.schemas import Page, PageQuery, UserRef
from hub.appkeys import DATABASE, POSTING
from hub.auth.requests import request_origin, require_viewer
from hub.services.commands import NOT_BLANK_PATTERN, Request, SchemaPattern
from hub.services.comments import TASK_COMMENTS
from hub.services.messages import ROOM_MESSAGES
from hub.services.post_reads import history
from hub.services.post_rules import ClientId
from hub.services.threads import Thread
from hub.services.unnotified import not_notified

routes = ApiRoutes(tag="messages")


# Checked by the posting rules (hub/services/post_rules.py): not blank, no NUL, at most
# HUB_MAX_MESSAGE_BYTES in UTF-8 (413 beyond; bytes, which a JSON schema cannot count).
PostBody = Annotated[str, SchemaPattern(NOT_BLANK_PATTERN)]


class PostIn(Request):
    body: PostBody
    client_id: ClientId | None = None


class PostPatch(Request):
    body: PostBody


class PostOut(BaseModel):
    id: int
    seq: int
    author: UserRef | None
    author_name: str
    source: str
    body: str
    html: str
    mentions: list[str]
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None


class MessageOut(PostOut):
    room: int


class CommentOut(PostOut):
    task: int


class Unnotified(BaseModel):
    """Someone a new post named who cannot see it: not in its room (but `on_board`), or not
    on its board."""

    username: str
    on_board: bool


class Posted(BaseModel):
    not_notified: list[Unnotified]


class PostedMessageOut(MessageOut, Posted):
    """A new message as its author gets it: who it named but did not notify, besides."""


class PostedCommentOut(CommentOut, Posted):
    """A new comment as its author gets it: who it named but did not notify, besides."""


def _named(handler: Handler, name: str) -> Handler:
    handler.__name__ = name  # the OpenAPI operationId
    return handler


def add_thread_routes(
    thread: Thread[Any],
    out: type[PostOut],
    posted: type[PostOut],
    *,
    place_path: str,
    post_path: str,
    plural: str,
) -> None:
    """list/post under the place (`/rooms/{id}/messages`), edit/delete by id (`/messages/{id}`)."""
    noun = thread.noun

    async def list_posts(request: web.Request, query: PageQuery) -> Page[Any]:
        viewer = await require_viewer(request)
        async with request.app[DATABASE].read(snapshot=False) as session:
            items, next_cursor = await history(
                session,
                thread,
                viewer,
                path_id(request),
                page_from(request, query, newest_first=True),
            )
        return Page[out](items=[out.model_validate(item) for item in items], next=next_cursor)  # type: ignore[valid-type]

    async def create_post(request: web.Request, body: PostIn) -> PostOut:
        viewer = await require_viewer(request)
        data, _ = await request.app[POSTING].submit(
            thread,
            path_id(request),
            body.body,
            actor=viewer,
            origin=request_origin(request),
            client_id=body.client_id,
        )
        missed = await not_notified(request.app[POSTING], request.app[DATABASE], data)
        return posted.model_validate({**data, "not_notified": missed})

    async def edit_post(request: web.Request, body: PostPatch) -> PostOut:
        viewer = await require_viewer(request)
        data = await request.app[POSTING].edit(
            thread, path_id(request), body.body, actor=viewer, origin=request_origin(request)
        )
        return out.model_validate(data)

    async def delete_post(request: web.Request) -> PostOut:
        viewer = await require_viewer(request)
        data = await request.app[POSTING].delete(
            thread, path_id(request), actor=viewer, origin=request_origin(request)
        )
        return out.model_validate(data)

    routes.route(
        "GET",
        place_path,
        summary=f"A page of {plural} (the newest page by default)",
        query=PageQuery,
        response=Page[out],  # type: ignore[valid-type]
    )(_named(list_posts, f"list_{plural}"))
    routes.route(
        "POST",
        place_path,
        summary=f"Post a {noun}",
        body=PostIn,
        response=posted,
        status=201,
        errors=(403, 413, 429),
    )(_named(create_post, f"post_{noun}"))
    routes.route(
        "PATCH",
        post_path,
        summary=f"Edit one's own {noun}",
        body=PostPatch,
        response=out,
        errors=(403, 409, 413),
    )(_named(edit_post, f"edit_{noun}"))
    routes.route(
        "DELETE",
        post_path,
        summary=f"Delete a {noun} (its author, or an admin)",
        response=out,
        errors=(403,),
    )(_named(delete_post, f"delete_{noun}"))


add_thread_routes(
    ROOM_MESSAGES,
    MessageOut,
    PostedMessageOut,
    place_path=r"/api/v1/rooms/{id:\d+}/messages",
    post_path=r"/api/v1/messages/{id:\d+}",
    plural="messages",
)
add_thread_routes(
    TASK_COMMENTS,
    CommentOut,
    PostedCommentOut,
    place_path=r"/api/v1/tasks/{id:\d+}/comments",
    post_path=r"/api/v1/comments/{id:\d+}",
    plural="comments",
)
