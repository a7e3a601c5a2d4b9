"""Forms that can be refused: the page is shown again with what was wrong and what was typed.

`@form_action` handlers end in a redirect; a refused form instead raises `FormRefused`, an
HTTP error whose body is the re-rendered page, which passes through as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NoReturn

from aiohttp import web
from pydantic import ValidationError

from hub.auth.sessions import Viewer
from hub.errors import HubError, Invalid
from webui.error_text import service_sentence, validation_sentence
from webui.rendering import Context, Form, render


class FormRefused(web.HTTPClientError):
    """A form page re-rendered with its error, answered with the error's status."""

    def __init__(self, page: web.Response, headers: dict[str, str]) -> None:
        super().__init__(text=page.text, content_type="text/html", headers=headers)
        self.set_status(page.status)


async def refuse(
    request: web.Request, viewer: Viewer, template: str, context: Context, error: HubError
) -> NoReturn:
    """Show `template` again with `error` (its message, in words for a person, and field) and
    the error's status."""
    error = service_sentence(error)
    problem = {"error": error.message, "error_field": error.field}
    page = await render(request, viewer, template, {**context, **problem}, status=error.status)
    raise FormRefused(page, error.headers())


def readable(error: ValidationError, labels: Mapping[str, str] | None = None) -> Invalid:
    """The first problem of a form's validation, in words for a person; `labels` name the
    form's fields where `FIELD_LABELS` says too little ("The room name")."""
    return validation_sentence(error, labels)


def text_field(form: Form, name: str) -> str:
    """A text field of the form ("" when absent); NUL characters, which no database column
    takes, are refused."""
    value = form.get(name, "")
    if not isinstance(value, str):
        raise Invalid(f"{name}: must be text", field=name)
    if "\x00" in value:
        raise Invalid(f"{name}: NUL characters are not allowed", field=name)
    return value


def list_field(form: Form, name: str) -> list[str]:
    """Every value of a repeated field (checkboxes), NUL-checked like `text_field`."""
    values = form.getall(name, [])
    if not all(isinstance(value, str) and "\x00" not in value for value in values):
        raise Invalid(f"{name}: must be text", field=name)
    return [str(value) for value in values]
