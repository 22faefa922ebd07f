"""Error bodies of the native API: the store's error with its class name, so clients re-raise it.

MLflow's ``error_code`` is shared by several classes (``RunNotFoundError`` and
``RegisteredModelNotFoundError`` are both ``RESOURCE_DOES_NOT_EXIST``); the native API adds
``error_type``, the class name, which the REST store maps back to the same class.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.responses import Response

from driftloop.errors import DriftloopError
from driftloop.server.responses import json_response
from driftloop.server.routing import Call, Endpoint, Handler

Result = Response | dict[str, Any]


def _typed_error_response(error: DriftloopError) -> Response:
    body = {**error.to_dict(), "error_type": type(error).__name__}
    response = json_response(body, error.http_status)
    response.headers.update(getattr(error, "http_headers", None) or {})
    return response


def typed_errors(handler: Handler) -> Handler:
    """Wrap ``handler`` so a ``DriftloopError`` answers with ``error_type`` in its body.

    A plain function stays a plain function (the router runs it in the threadpool).
    """
    if inspect.iscoroutinefunction(handler):
        coroutine: Callable[[Call], Awaitable[Result]] = handler

        @functools.wraps(handler)
        async def wrapped_async(call: Call) -> Result:
            try:
                return await coroutine(call)
            except DriftloopError as error:
                return _typed_error_response(error)

        return wrapped_async
    function: Callable[[Call], Result] = handler  # type: ignore[assignment]

    @functools.wraps(handler)
    def wrapped(call: Call) -> Result:
        try:
            return function(call)
        except DriftloopError as error:
            return _typed_error_response(error)

    return wrapped


def with_typed_errors(endpoints: Iterable[Endpoint]) -> list[Endpoint]:
    """The endpoints with :func:`typed_errors` around each handler."""
    return [dataclasses.replace(e, handler=typed_errors(e.handler)) for e in endpoints]
