"""Mount the UI: login, static files and every page module's pages, as declared routes.

Each UI endpoint becomes a route through :func:`driftloop.server.routing.to_route` (the
server's one authorization point, as for the API) and is wrapped by
:class:`~driftloop.ui.bridge.SessionBridge`, which lets the session cookie authenticate UI
routes only.
"""

from __future__ import annotations

from driftloop.server.routing import DeclaredRoute, Endpoint, to_route
from driftloop.ui import static
from driftloop.ui.bridge import SessionBridge
from driftloop.ui.login import login_endpoints
from driftloop.ui.registry import discover_pages
from driftloop.ui.session import SessionCodec


def ui_endpoints(codec: SessionCodec) -> list[Endpoint]:
    """Every UI endpoint: login and logout, static files, then the pages."""
    endpoints = [*login_endpoints(codec), *static.ENDPOINTS]
    for module in discover_pages():
        endpoints.extend(module.endpoints)
    return endpoints


def ui_routes(codec: SessionCodec | None = None) -> list[DeclaredRoute]:
    """The UI's routes, to mount after the API's.

    Args:
        codec: Signs session cookies; by default keyed by ``$DRIFTLOOP_UI_SECRET`` or a
            random key of this process.
    """
    codec = codec or SessionCodec.from_environment()
    routes: list[DeclaredRoute] = []
    for declared in ui_endpoints(codec):
        route = to_route(declared)
        route.app = SessionBridge(route.app, codec)
        routes.append(route)
    return routes
