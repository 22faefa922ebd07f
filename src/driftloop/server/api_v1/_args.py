"""Request values for the native API, passed to the stores as sent so the stores validate them.

The stores check types and ranges themselves (a version that is a string, a tag key with
``..``); handing them the JSON value unchanged gives clients the store's own error, with its
message and field. Only containers where a scalar belongs are refused here, so a store never
sees a value it was not written to reject.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftloop.errors import InvalidParameterError
from driftloop.server.routing import Call

_SCALARS = (str, int, float, bool)


def scalar(call: Call, name: str, *, required: bool = False) -> Any:
    """The JSON scalar ``name`` as sent (None when absent and not required)."""
    value = call.params.raw.get(name)
    if value is None:
        if required:
            raise InvalidParameterError(
                f"Missing value for required parameter '{name}'", field=name
            )
        return None
    if not isinstance(value, _SCALARS):
        raise InvalidParameterError(
            f"Invalid value for parameter '{name}': expected a scalar", field=name
        )
    return value


def mapping(call: Call, name: str) -> dict[str, Any] | None:
    """A JSON object of scalars (``tags``), or None when absent."""
    value = call.params.raw.get(name)
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(
        isinstance(item, _SCALARS) for item in value.values()
    ):
        raise InvalidParameterError(
            f"Invalid value for parameter '{name}': expected an object of strings", field=name
        )
    return dict(value)


def integer_arg(call: Call, name: str, *, required: bool = False) -> Any:
    """An integer: from a query string converted, from a JSON body as sent (the store checks)."""
    if call.request.method == "GET":
        return call.params.integer(name, required=required)
    return scalar(call, name, required=required)


def actor(call: Call) -> str | None:
    """Who makes a registry change: the authenticated user, else the ``actor`` field."""
    if call.principal is not None:
        return call.principal
    return call.params.string("actor")


def destination(call: Call) -> str:
    """The server's artifacts destination, under which locations are shown as proxy URIs."""
    return call.state.config.artifacts_destination


def integer_or(call: Call, name: str, default: int) -> Any:
    """:func:`integer_arg`, with ``default`` when the parameter is absent (0 is kept)."""
    value = integer_arg(call, name)
    return default if value is None else value


def text(call: Call, name: str) -> Any:
    """A name or key as sent, ``""`` when absent: the store rejects it with its own message."""
    value = scalar(call, name)
    return "" if value is None else value
