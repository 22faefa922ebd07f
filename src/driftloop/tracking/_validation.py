"""Checks of user arguments, so mistakes fail early with a message naming the argument."""

from __future__ import annotations

import numbers
import time
from collections.abc import Mapping, Sequence
from typing import TypeVar

from driftloop.entities import RunStatus, ViewType
from driftloop.errors import InvalidParameterError
from driftloop.store.validation import validate_key

_E = TypeVar("_E", RunStatus, ViewType)


def now_ms() -> int:
    """Milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def require_id(value: object, argument: str) -> str:
    """Return an experiment or run id as a string (ints are accepted for experiment ids)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(
            f"{argument} must be a non-empty string, got {value!r}", field=argument
        )
    return value.strip()


def require_name(value: object, argument: str) -> str:
    """Return a non-empty name (of an experiment, a run, a dataset)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(
            f"{argument} must be a non-empty string, got {value!r}", field=argument
        )
    return value


def require_key(value: object, argument: str = "key", kind: str = "metric") -> str:
    """Return a metric, param or tag key, checked by the rules every store enforces.

    Checking here, not only in the store, makes a bad key fail at the call that logged it,
    even for metrics that the background batcher writes later.
    """
    return validate_key(kind, value, argument)


def metric_value(value: object, key: str) -> float:
    """Return a metric value as a float; NaN and infinities are allowed, strings are not."""
    if not isinstance(value, numbers.Real):
        raise InvalidParameterError(
            f"value of metric {key!r} must be a real number, got {type(value).__name__} {value!r}",
            field="value",
        )
    return float(value)


def optional_int(value: object, argument: str) -> int | None:
    """Return ``value`` as an int, or None; rejects bools, floats and strings."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(
            f"{argument} must be an integer, got {type(value).__name__} {value!r}",
            field=argument,
        )
    return int(value)


def string_value(value: object) -> str:
    """Param and tag values are stored as text (``str(value)``, as MLflow does)."""
    return value if isinstance(value, str) else str(value)


def string_mapping(values: Mapping[str, object] | None, argument: str) -> dict[str, str]:
    """Validate the keys of a mapping and turn its values into text."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise InvalidParameterError(
            f"{argument} must be a mapping, got {type(values).__name__}", field=argument
        )
    return {
        validate_key(argument, key, f"{argument} key"): string_value(v) for key, v in values.items()
    }


def id_list(values: str | Sequence[str], argument: str) -> list[str]:
    """Accept one id or a sequence of ids."""
    if isinstance(values, str | int):
        return [require_id(values, argument)]
    if not isinstance(values, Sequence) or not values:
        raise InvalidParameterError(
            f"{argument} must be an id or a non-empty list of ids, got {values!r}",
            field=argument,
        )
    return [require_id(value, argument) for value in values]


def enum_value(enum_type: type[_E], value: object, argument: str) -> _E:
    """Return the member of ``enum_type`` named by ``value`` (case-insensitive)."""
    if isinstance(value, enum_type):
        return value
    if isinstance(value, str):
        try:
            return enum_type(value.strip().upper())
        except ValueError:
            pass
    allowed = ", ".join(member.value for member in enum_type)
    raise InvalidParameterError(
        f"{argument} must be one of {allowed}; got {value!r}", field=argument
    )
