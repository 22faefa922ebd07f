"""What the MLflow handlers share: run ids, enums, the artifacts destination, visibility."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from driftloop.entities import ViewType
from driftloop.errors import InvalidParameterError
from driftloop.server.routing import Call

EMPTY: dict[str, Any] = {}


def run_id(call: Call, *, field: str = "run_id") -> str:
    """The run id from ``run_id`` or, as older clients send it, ``run_uuid``."""
    value = call.params.string(field) or call.params.string("run_uuid")
    if not value:
        raise InvalidParameterError(f"Missing value for required parameter '{field}'", field=field)
    return value


def destination(call: Call) -> str:
    """The server's artifacts destination (the root of every proxied path)."""
    return call.state.config.artifacts_destination


def view_type(call: Call, field: str) -> ViewType:
    """A ``ViewType`` by name (``ACTIVE_ONLY`` when absent); MLflow also sends the numbers."""
    value = call.params.string(field) or "ACTIVE_ONLY"
    by_number = {"1": "ACTIVE_ONLY", "2": "DELETED_ONLY", "3": "ALL"}
    try:
        return ViewType(by_number.get(value, value.upper()))
    except ValueError as e:
        raise InvalidParameterError(
            f"Invalid value {value!r} for parameter '{field}': use ACTIVE_ONLY, DELETED_ONLY "
            "or ALL",
            field=field,
        ) from e


def visible(call: Call, experiment_ids: Sequence[str]) -> list[str]:
    """The ``experiment_ids`` the caller may read (all of them without auth)."""
    allowed = call.state.authorizer.visible_experiment_ids(call)
    if allowed is None:
        return list(experiment_ids)
    return [experiment_id for experiment_id in experiment_ids if experiment_id in allowed]


def max_results(call: Call, default: int, limit: int) -> int:
    """``max_results`` within ``1..limit`` (``default`` when absent)."""
    value = call.params.integer("max_results", default=default)
    assert value is not None  # noqa: S101 - defaulted
    if not 1 <= value <= limit:
        raise InvalidParameterError(
            f"Invalid value {value} for parameter 'max_results': it must be between 1 and {limit}",
            field="max_results",
        )
    return value


def string_map(call: Call, name: str) -> dict[str, str]:
    """A ``[{key, value}]`` list as a dict; every key and value must be a string."""
    result: dict[str, str] = {}
    for item in call.params.objects(name):
        key, value = item.get("key"), item.get("value")
        if not isinstance(key, str) or not isinstance(value, str | int | float):
            raise InvalidParameterError(
                f"Invalid value for parameter '{name}': each item needs a string 'key' and 'value'",
                field=name,
            )
        result[key] = value if isinstance(value, str) else str(value)
    return result


def required_value(call: Call, name: str) -> str:
    """A required string that may be empty (tag and param values)."""
    value = call.params.string(name)
    if value is None:
        raise InvalidParameterError(f"Missing value for required parameter '{name}'", field=name)
    return value
