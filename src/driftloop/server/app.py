"""Build the ASGI application: stores, artifact root, authorizer, guards and routes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

from starlette.applications import Starlette

from driftloop.artifacts import get_artifact_repository
from driftloop.server.catalog import all_endpoints
from driftloop.server.config import ServerConfig
from driftloop.server.middleware import HostOriginMiddleware
from driftloop.server.routing import Endpoint, to_route
from driftloop.server.state import AllowAll, Authorizer, ServerState
from driftloop.store.sql import SqlStores, open_sql_stores
from driftloop.tracking.uri import resolve_store_location
from driftloop.ui import ui_routes


def create_app(config: ServerConfig, *, extra_endpoints: Sequence[Endpoint] = ()) -> Starlette:
    """The server application for ``config`` (stores are opened now, closed on shutdown).

    ``extra_endpoints`` are mounted as given after the catalog's (tests declare their own
    endpoints this way); they go through the same authorization as every other route.

    Raises:
        InvalidParameterError: The configuration is unsafe (see :meth:`ServerConfig.check`).
        StoreUnavailableError, SchemaOutOfDateError: The database cannot be used.
    """
    config.check()
    location = resolve_store_location(config.backend_store_uri)
    if location.local_dir is not None:
        location.local_dir.mkdir(parents=True, exist_ok=True)
    stores = open_sql_stores(location.db_uri, config.artifacts_destination)
    state = ServerState(
        config=config,
        stores=stores,
        artifacts=get_artifact_repository(config.artifacts_destination),
        authorizer=_authorizer(config, stores),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        stores.close()

    endpoints = [*all_endpoints(), *extra_endpoints]
    routes = [*(to_route(e) for e in endpoints), *ui_routes()]  # the web UI at "/"
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.driftloop = state
    app.add_middleware(
        HostOriginMiddleware,
        allowed_hosts=config.host_allowlist(),
        allowed_origins=frozenset(config.allowed_origins),
    )
    return app


def _authorizer(config: ServerConfig, stores: SqlStores) -> Authorizer:
    if not config.auth:
        return AllowAll()
    from driftloop.server.auth.authorizer import TokenAuthorizer

    return TokenAuthorizer(stores)
