"""Monitoring argument checks shared by every :class:`MonitorStore` backend.

Each check raises :class:`InvalidParameterError` naming the field (``points[3].metric``),
before any store is touched, so an invalid run writes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from driftloop.entities import MonitorPoint, MonitorVerdict
from driftloop.errors import InvalidParameterError
from driftloop.store.registry_validation import MAX_VERSION

MAX_DEPLOYMENT_LENGTH: Final = 256
MAX_COLUMN_LENGTH: Final = 250
MAX_METRIC_LENGTH: Final = 250
MAX_POINTS_PER_RUN: Final = 100_000
MAX_DETAILS_LENGTH: Final = 1_000_000
"""Characters of all detail keys and values together."""
MAX_TIME_MS: Final = 2**63 - 1


@dataclass(frozen=True, slots=True)
class MonitorRunRequest:
    """The checked arguments of ``record_monitor_run``."""

    deployment: str
    model_version: int | None
    window_start: int
    window_end: int
    rows: int
    verdict: MonitorVerdict
    points: tuple[MonitorPoint, ...]
    details: dict[str, str]

    @classmethod
    def checked(
        cls,
        deployment: object,
        *,
        model_version: object,
        window_start: object,
        window_end: object,
        rows: object,
        verdict: object,
        points: object,
        details: object,
    ) -> MonitorRunRequest:
        """Check every argument; points keep their order, values become floats.

        Raises:
            InvalidParameterError: A field is invalid (``field`` names it).
        """
        start = checked_time(window_start, "window_start")
        end = checked_time(window_end, "window_end")
        if end < start:
            raise InvalidParameterError(
                f"window_end ({end}) must not be before window_start ({start})",
                field="window_end",
            )
        return cls(
            deployment=checked_text(deployment, "deployment", MAX_DEPLOYMENT_LENGTH),
            model_version=checked_model_version(model_version),
            window_start=start,
            window_end=end,
            rows=checked_count(rows, "rows"),
            verdict=checked_verdict(verdict),
            points=checked_points(points),
            details=checked_details(details),
        )


def checked_text(value: object, field: str, limit: int) -> str:
    """A non-blank string of at most ``limit`` characters."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(
            f"{field} must be a non-empty string, got {value!r}", field=field
        )
    if len(value) > limit:
        raise InvalidParameterError(
            f"{field} {value[:50]!r}... is {len(value)} characters long; the limit is {limit}",
            field=field,
        )
    return value


def checked_time(value: object, field: str) -> int:
    """Milliseconds since the epoch: a non-negative integer."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TIME_MS:
        raise InvalidParameterError(
            f"{field} must be milliseconds since the epoch (an integer >= 0), got {value!r}",
            field=field,
        )
    return value


def checked_optional_time(value: object, field: str) -> int | None:
    """None, or milliseconds since the epoch."""
    return None if value is None else checked_time(value, field)


def checked_count(value: object, field: str) -> int:
    """A non-negative integer."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TIME_MS:
        raise InvalidParameterError(
            f"{field} must be a non-negative integer, got {value!r}", field=field
        )
    return value


def checked_model_version(value: object, field: str = "model_version") -> int | None:
    """None or a version number (1..2**31-1)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VERSION:
        raise InvalidParameterError(
            f"{field} must be a version number (1..{MAX_VERSION}) or null, got {value!r}",
            field=field,
        )
    return value


def checked_verdict(value: object) -> MonitorVerdict:
    """One of :class:`MonitorVerdict`'s values."""
    if isinstance(value, str) and value in {v.value for v in MonitorVerdict}:
        return MonitorVerdict(value)
    names = ", ".join(v.value for v in MonitorVerdict)
    raise InvalidParameterError(f"unknown verdict {value!r} (use one of {names})", field="verdict")


def checked_points(points: object) -> tuple[MonitorPoint, ...]:
    """The points, each with a column, a metric and a finite or NaN value, pairs unique."""
    if isinstance(points, str | bytes | Mapping) or not isinstance(points, Sequence):
        raise InvalidParameterError(
            f"points must be a list of MonitorPoint, got {type(points).__name__}", field="points"
        )
    if len(points) > MAX_POINTS_PER_RUN:
        raise InvalidParameterError(
            f"a run holds at most {MAX_POINTS_PER_RUN} points, got {len(points)}",
            field="points",
        )
    checked: list[MonitorPoint] = []
    seen: dict[tuple[str, str], int] = {}
    for index, point in enumerate(points):
        where = f"points[{index}]"
        if not isinstance(point, MonitorPoint):
            raise InvalidParameterError(
                f"{where} must be a MonitorPoint, got {type(point).__name__}", field=where
            )
        column = checked_text(point.column, f"{where}.column", MAX_COLUMN_LENGTH)
        metric = checked_text(point.metric, f"{where}.metric", MAX_METRIC_LENGTH)
        value = _checked_value(point.value, f"{where}.value")
        first = seen.setdefault((column, metric), index)
        if first != index:
            raise InvalidParameterError(
                f"{where} repeats column {column!r} metric {metric!r} of points[{first}]",
                field=where,
            )
        checked.append(MonitorPoint(column, metric, value))
    return tuple(checked)


def checked_details(details: object) -> dict[str, str]:
    """A string-to-string mapping (None: empty)."""
    if details is None:
        return {}
    if not isinstance(details, Mapping):
        raise InvalidParameterError(
            f"details must be a mapping of strings, got {type(details).__name__}",
            field="details",
        )
    size = 0
    for key, value in details.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidParameterError(
                f"details must map strings to strings, got {key!r}: {value!r}",
                field=f"details[{key!r}]",
            )
        size += len(key) + len(value)
    if size > MAX_DETAILS_LENGTH:
        raise InvalidParameterError(
            f"details hold {size} characters; the limit is {MAX_DETAILS_LENGTH}",
            field="details",
        )
    return dict(details)


def _checked_value(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidParameterError(f"{field} must be a number, got {value!r}", field=field)
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        number = math.inf
    if math.isinf(number):
        raise InvalidParameterError(f"{field} must be finite or NaN, got {value!r}", field=field)
    return number
