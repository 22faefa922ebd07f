"""Declare a UI page: an endpoint whose errors are HTML pages, not JSON.

Page modules build their ``PAGES`` with :func:`page`. The endpoint goes through the server's
one authorization wrapper (:func:`driftloop.server.routing.to_route`) like every API route;
a handler's ``DriftloopError`` becomes an HTML page with the error's status (unknown
experiment or run: 404; a bad filter or page token: 400), and an unexpected exception a 500
page without a stack trace (the trace is logged).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import cast

from starlette.responses import Response

from driftloop.errors import DriftloopError, InvalidParameterError
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.ui.render import render

logger = logging.getLogger("driftloop.ui")

SyncPage = Callable[[Call], Response]
AsyncPage = Callable[[Call], Awaitable[Response]]


def page(
    path: str,
    handler: SyncPage | AsyncPage,
    permission: Permission = Permission.READ,
    resource: Resource = Resource.GLOBAL,
    *,
    methods: str | tuple[str, ...] = "GET",
    raw_body: bool = False,
) -> Endpoint:
    """An endpoint for a UI page.

    Args:
        path: The page's path (Starlette syntax, ``/runs/{run_id}``).
        handler: Returns the response (usually :func:`driftloop.ui.render.render`). A plain
            function runs in the threadpool (store calls block); a coroutine on the loop.
        permission: What the caller needs.
        resource: Which grant applies: ``Resource.RUN`` reads the ``run_id`` path
            parameter, ``Resource.EXPERIMENT`` the ``experiment_id`` one; ``GLOBAL`` pages
            filter what they show with ``authorizer.visible_experiment_ids``.
        methods: HTTP methods.
        raw_body: The handler reads the body itself (HTML forms are not JSON).
    """
    return endpoint(path, methods, html_errors(handler), permission, resource, raw_body=raw_body)


def html_errors(handler: SyncPage | AsyncPage) -> SyncPage | AsyncPage:
    """Wrap ``handler`` so that its errors are rendered as HTML pages."""
    if inspect.iscoroutinefunction(handler):
        coroutine = cast(AsyncPage, handler)

        @functools.wraps(coroutine)
        async def async_page(call: Call) -> Response:
            try:
                return await coroutine(call)
            except Exception as error:  # noqa: BLE001 - every error becomes a page
                return error_page(call, error)

        return async_page
    function = cast(SyncPage, handler)

    @functools.wraps(function)
    def sync_page(call: Call) -> Response:
        try:
            return function(call)
        except Exception as error:  # noqa: BLE001 - every error becomes a page
            return error_page(call, error)

    return sync_page


def error_page(call: Call, error: Exception) -> Response:
    """The HTML page for an error raised while answering ``call``."""
    if isinstance(error, DriftloopError):
        status = error.http_status
        title = _TITLES.get(status, "Error")
        message = str(error)
    else:
        logger.error(
            "unexpected error in %s %s",
            call.request.method,
            call.request.url.path,
            exc_info=error,
        )
        status, title, message = 500, "Internal error", "The server failed; see its log."
    return render(call, "error.html.j2", {"title": title, "message": message}, status)


def bad_request(message: str, field: str) -> InvalidParameterError:
    """An ``InvalidParameterError`` for a page's query parameter (shown as a 400 page)."""
    return InvalidParameterError(message, field=field)


_TITLES = {
    400: "Bad request",
    401: "Login required",
    403: "Permission denied",
    404: "Not found",
    409: "Conflict",
    503: "Unavailable",
}
