"""Where the dashboard may send a browser back to after a form (`?next=` after a login, an
admin form's `back`): a path on this site, never another site (no open redirect)."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from yarl import URL

HOME = "/"
# Anything a browser, a proxy or yarl may drop or read as something else: control characters,
# whitespace (Unicode's too) and backslashes, which browsers read as slashes.
_AMBIGUOUS = re.compile(r"[\x00-\x1f\x7f-\x9f\\]|\s")


def local_path(target: str) -> str:
    """`target` as the Location header of a redirect to it will carry it, when that is a path
    on this site; otherwise "/".

    The check is made on the value finally sent, not on what the form held: aiohttp passes a
    Location through yarl, which drops tabs, newlines and surrounding spaces (so `/\\t/evil`
    would leave as `//evil`). It is strict, since the hub's own links are plain paths: besides
    anything with a scheme or a host (the hub's own too), `//` and characters a browser could
    read otherwise, it refuses a path that would reach another site once percent-decoded or
    once its dot segments are resolved (`/%2F%2Fevil`, `/.//evil`) by whatever decodes it.
    """
    if _AMBIGUOUS.search(target) or not target.startswith("/") or target.startswith("//"):
        return HOME
    try:
        sent = str(URL(target))
    except ValueError:  # e.g. a malformed host
        return HOME
    parts = urlsplit(sent)
    if parts.scheme or parts.netloc or not sent.startswith("/"):
        return HOME
    path = unquote(parts.path)
    segments = path.split("/")
    if "//" in path or _AMBIGUOUS.search(path) or "." in segments or ".." in segments:
        return HOME
    return sent
