"""``/health``, ``/version`` and ``/openapi.json``."""

from __future__ import annotations

from typing import Any

from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute

from driftloop._version import __version__
from driftloop.server.routing import Call, DeclaredRoute, Endpoint, Permission, endpoint

API_VERSION = "1"


async def health(_call: Call) -> Response:
    """Liveness: ``OK`` when the process answers."""
    return PlainTextResponse("OK")


async def version(_call: Call) -> Response:
    """The driftloop version."""
    return PlainTextResponse(__version__)


async def openapi(call: Call) -> dict[str, Any]:
    """The OpenAPI document of every route this server mounts."""
    return openapi_document(call.request.app.routes)


def openapi_document(routes: list[BaseRoute]) -> dict[str, Any]:
    """Build the OpenAPI 3.1 document from the declared routes."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if not isinstance(route, DeclaredRoute):
            continue
        declared = route.declared
        item = paths.setdefault(declared.path.replace(":path}", "}"), {})
        for method in declared.methods:
            item[method.lower()] = {
                "summary": declared.summary,
                "x-driftloop-permission": str(declared.permission),
                "x-driftloop-resource": str(declared.resource),
                "responses": {"200": {"description": "OK"}, "4XX": {"description": "Error"}},
            }
    return {
        "openapi": "3.1.0",
        "info": {"title": "driftloop", "version": f"{API_VERSION} ({__version__})"},
        "paths": dict(sorted(paths.items())),
    }


ENDPOINTS: list[Endpoint] = [
    endpoint("/health", "GET", health, Permission.PUBLIC),
    endpoint("/version", "GET", version, Permission.PUBLIC),
    endpoint("/openapi.json", "GET", openapi, Permission.READ),
]
