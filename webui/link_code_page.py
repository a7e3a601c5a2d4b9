"""The settings page's "Link Slack or Discord" button: a new one-time link code, shown once
on the page with the command to type (`POST /settings/link-code`, the same service as
`POST /api/v1/me/link-code`). The code is in the answer's body only, never in a URL."""

from __future__ import annotations

from aiohttp import web

from bridges.link_codes import issue_code
from hub.appkeys import DATABASE, SETTINGS
from hub.auth.sessions import Viewer
from webui.account_pages import TEMPLATE, settings_context
from webui.rendering import Form, form_action, render


@form_action
async def link_code_submit(request: web.Request, viewer: Viewer, form: Form) -> web.HTTPSeeOther:
    """Answers with the settings page itself (raised, as a form action's answer is): a
    redirect would have to carry the code in its URL."""
    ttl_s = request.app[SETTINGS].link_code_ttl_s
    issued = await issue_code(request.app[DATABASE], viewer.id, ttl_s)
    context = {
        **await settings_context(request, viewer),
        "link_code": issued,
        "link_code_minutes": max(1, round(ttl_s / 60)),
    }
    page = await render(request, viewer, TEMPLATE, context)
    raise web.HTTPOk(
        text=page.text, content_type="text/html", headers={"Cache-Control": "no-store"}
    )
