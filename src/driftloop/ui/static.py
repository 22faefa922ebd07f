"""The UI's packaged static files (stylesheet, scripts, the vendored uPlot), public.

Only files shipped in ``driftloop/ui/static`` are served: the request path is looked up in
the list of those files, never joined to a folder, so no path can leave it.
"""

from __future__ import annotations

import functools
from importlib import resources
from importlib.resources.abc import Traversable

from starlette.responses import Response

from driftloop.errors import NotFoundError
from driftloop.server.routing import Call, Endpoint, Permission, endpoint

_MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}


class StaticFileNotFoundError(NotFoundError):
    """No packaged static file has this path."""


@functools.cache
def static_files() -> dict[str, Traversable]:
    """Every packaged static file by its ``/``-separated path below ``static/``."""
    found: dict[str, Traversable] = {}
    pending: list[tuple[str, Traversable]] = [("", resources.files("driftloop.ui") / "static")]
    while pending:
        prefix, folder = pending.pop()
        for entry in folder.iterdir():
            name = prefix + entry.name
            if entry.is_dir():
                pending.append((name + "/", entry))
            elif not entry.name.startswith("."):
                found[name] = entry
    return found


async def static_file(call: Call) -> Response:
    """One packaged static file."""
    path = str(call.request.path_params.get("path", ""))
    entry = static_files().get(path)
    if entry is None:
        raise StaticFileNotFoundError(f"no static file {path!r}", field="path")
    suffix = "." + path.rsplit(".", 1)[-1] if "." in path else ""
    return Response(
        entry.read_bytes(),
        media_type=_MEDIA_TYPES.get(suffix, "application/octet-stream"),
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


ENDPOINTS: list[Endpoint] = [
    endpoint("/static/{path:path}", "GET", static_file, Permission.PUBLIC),
]
