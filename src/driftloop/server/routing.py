"""Endpoints declare their permission; one wrapper parses, authorizes and maps errors for all.

Every route of every API (native, MLflow-compatible, artifact proxy) is an :class:`Endpoint`
built with :func:`endpoint`, which requires a :class:`Permission`. ``create_app`` turns the
endpoints into Starlette routes through :func:`to_route`, the single place where a request is
authorized, so a new route cannot skip authorization (a test checks every mounted route is an
endpoint with a declared permission).
"""

from __future__ import annotations

import enum
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from driftloop.errors import DriftloopError
from driftloop.server.params import Params, read_params
from driftloop.server.responses import error_response, json_response

if TYPE_CHECKING:
    from driftloop.server.state import ServerState

logger = logging.getLogger("driftloop.server")


class Permission(enum.StrEnum):
    """What a caller needs to call an endpoint."""

    PUBLIC = "public"
    READ = "read"
    EDIT = "edit"
    ADMIN = "admin"


class Resource(enum.StrEnum):
    """Which per-resource grant applies, found from the request's parameters."""

    GLOBAL = "global"
    EXPERIMENT = "experiment"
    RUN = "run"
    REGISTERED_MODEL = "registered_model"
    ARTIFACT_PATH = "artifact_path"
    DEPLOYMENT = "deployment"
    """The registered model of the deployment named by ``name`` or ``deployment`` (or of the
    deployment of the CT episode ``episode_id``)."""
    DEPLOYMENT_MODEL = "deployment_model"
    """The registered model named by ``model_name`` (a deployment being created)."""


@dataclass(slots=True)
class Call:
    """One request as handlers see it.

    Attributes:
        request: The Starlette request.
        params: Query-string or JSON-body parameters (empty for raw-body endpoints).
        state: Stores, artifact root and configuration.
        principal: The authenticated user name, or None when auth is off.
    """

    request: Request
    params: Params
    state: ServerState
    principal: str | None = None


Handler = (
    Callable[[Call], Awaitable[Response | dict[str, Any]]]
    | Callable[[Call], Response | dict[str, Any]]
)
"""A coroutine, or a plain function (it does blocking store work and runs in the threadpool)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A route with its declared permission.

    Attributes:
        path: Starlette path (may hold ``{name:path}`` parameters).
        methods: HTTP methods.
        handler: Coroutine answering the call; a dict becomes a JSON response.
        permission: What the caller needs.
        resource: Which per-resource grant the permission is checked against.
        raw_body: The handler reads the body itself (artifact uploads): no JSON parsing.
        summary: One line for the OpenAPI document.
    """

    path: str
    methods: tuple[str, ...]
    handler: Handler
    permission: Permission
    resource: Resource = Resource.GLOBAL
    raw_body: bool = False
    summary: str = ""


def endpoint(
    path: str,
    methods: str | tuple[str, ...],
    handler: Handler,
    permission: Permission,
    resource: Resource = Resource.GLOBAL,
    *,
    raw_body: bool = False,
) -> Endpoint:
    """Declare an endpoint; the summary is the handler docstring's first line."""
    doc = (handler.__doc__ or "").strip().splitlines()
    return Endpoint(
        path=path,
        methods=(methods,) if isinstance(methods, str) else methods,
        handler=handler,
        permission=permission,
        resource=resource,
        raw_body=raw_body,
        summary=doc[0] if doc else "",
    )


class DeclaredRoute(Route):
    """A Starlette route that remembers the endpoint (and so the permission) behind it."""

    def __init__(self, declared: Endpoint, app: Callable[[Request], Awaitable[Response]]):
        super().__init__(declared.path, app, methods=list(declared.methods))
        self.declared = declared


def to_route(declared: Endpoint) -> DeclaredRoute:
    """Wrap an endpoint: parse parameters, authorize, call, map errors to JSON."""

    async def app(request: Request) -> Response:
        state: ServerState = request.app.state.driftloop
        try:
            params = (
                Params(dict(request.query_params))
                if declared.raw_body
                else await read_params(request, state.config.max_json_bytes)
            )
            call = Call(request=request, params=params, state=state)
            call.principal = await state.authorizer.authorize(call, declared)
            if inspect.iscoroutinefunction(declared.handler):
                result = await declared.handler(call)
            else:
                result = await run_in_threadpool(declared.handler, call)
        except DriftloopError as error:
            response = error_response(error)
            # An error class may name response headers (401's WWW-Authenticate).
            response.headers.update(getattr(error, "http_headers", None) or {})
            return response
        except Exception:
            logger.exception("unexpected error in %s %s", request.method, declared.path)
            return json_response(
                {"error_code": "INTERNAL_ERROR", "message": "internal server error"}, 500
            )
        return result if isinstance(result, Response) else json_response(result)

    return DeclaredRoute(declared, app)
