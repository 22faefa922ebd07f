"""Monitoring entities to native JSON and back (``/api/v1/monitoring`` and the REST store).

Fields map 1:1 to the attributes of :class:`MonitorRun`, :class:`MonitorPoint` and
:class:`SeriesPoint`. A value that could not be computed (NaN) travels as the string ``"NaN"``,
both ways, as every native route spells non-finite numbers (the SQL stores keep it as NULL
and read it back as NaN, so all backends answer the same). Decoding a request is lenient on
purpose: a point's fields are handed to the store as sent (``"Infinity"`` becomes ``inf``), so
the store rejects them with its own message and field (``points[3].value``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from driftloop.entities import MonitorPoint, MonitorRun, MonitorVerdict, SeriesPoint
from driftloop.errors import InvalidParameterError
from driftloop.server.api_v1.codec import decode_float

JSON = dict[str, Any]
_NON_FINITE = {"nan": math.nan, "infinity": math.inf, "-infinity": -math.inf}


def point_to_json(point: MonitorPoint) -> JSON:
    """The JSON object of a measured point, NaN as ``"NaN"``.

    Spelled here rather than left to the encoder: a document without non-finite floats takes
    the encoder's fast path (a 100,000-point run encodes several times faster).
    """
    return {"column": point.column, "metric": point.metric, "value": _spelled(point.value)}


def point_from_json(data: Mapping[str, Any]) -> MonitorPoint:
    """The point of :func:`point_to_json`'s object (``"NaN"`` back to NaN)."""
    value = data["value"]
    return MonitorPoint(
        str(data["column"]),
        str(data["metric"]),
        value if type(value) is float else decode_float(value),
    )


def run_to_json(run: MonitorRun) -> JSON:
    """The JSON object of a monitoring run, with its points (empty in listings)."""
    return {
        "run_id": run.run_id,
        "deployment": run.deployment,
        "model_version": run.model_version,
        "window_start": run.window_start,
        "window_end": run.window_end,
        "rows": run.rows,
        "verdict": run.verdict.value,
        "created": run.created,
        "points": [point_to_json(point) for point in run.points],
        "details": dict(run.details),
    }


def run_from_json(data: Mapping[str, Any]) -> MonitorRun:
    """The run of :func:`run_to_json`'s object."""
    version = data.get("model_version")
    return MonitorRun(
        run_id=str(data["run_id"]),
        deployment=str(data["deployment"]),
        model_version=None if version is None else int(version),
        window_start=int(data["window_start"]),
        window_end=int(data["window_end"]),
        rows=int(data["rows"]),
        verdict=MonitorVerdict(data["verdict"]),
        created=int(data["created"]),
        points=tuple(point_from_json(point) for point in data.get("points") or []),
        details={str(k): str(v) for k, v in (data.get("details") or {}).items()},
    )


def series_point_to_json(point: SeriesPoint) -> JSON:
    """The JSON object of one value of a series."""
    return {
        "run_id": point.run_id,
        "window_end": point.window_end,
        "model_version": point.model_version,
        "value": _spelled(point.value),
    }


def series_point_from_json(data: Mapping[str, Any]) -> SeriesPoint:
    """The series point of :func:`series_point_to_json`'s object."""
    version = data.get("model_version")
    value = data["value"]
    return SeriesPoint(
        run_id=str(data["run_id"]),
        window_end=int(data["window_end"]),
        model_version=None if version is None else int(version),
        value=value if type(value) is float else decode_float(value),
    )


def points_from_request(points: object) -> object:
    """The ``points`` of a record request as :class:`MonitorPoint`s, each field as sent.

    Anything but a JSON array is returned unchanged for the store to refuse (``points``).

    Raises:
        InvalidParameterError: An element is not a JSON object (``points[3]``).
    """
    if not isinstance(points, list):
        return points
    return [_point_from_request(point, index) for index, point in enumerate(points)]


def _spelled(value: float) -> float | str:
    return "NaN" if math.isnan(value) else value


def _point_from_request(point: object, index: int) -> MonitorPoint:
    if not isinstance(point, dict):
        raise InvalidParameterError(
            f"points[{index}] must be an object with column, metric and value, "
            f"got {type(point).__name__}",
            field=f"points[{index}]",
        )
    value = point.get("value")
    if isinstance(value, str):
        value = _NON_FINITE.get(value.strip().lower(), value)
    return MonitorPoint(point.get("column"), point.get("metric"), value)  # type: ignore[arg-type]
