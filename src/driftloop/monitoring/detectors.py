"""Streaming change detection on a per-row error stream (concept drift), with river.

When feedback labels exist, each scored row gives an error: 0/1 for a classifier (wrong or
right), the absolute error for a regressor (:func:`error_stream`). A change in that stream's
distribution is concept drift even when the features look the same. :func:`detect_changes`
runs one of river's detectors over it and reports where it fired:

- ``adwin`` (default): adaptive windowing; no parameter to tune beyond ``delta``
  (confidence, default 0.002); catches both abrupt and gradual changes in the mean.
- ``page_hinkley``: cumulative deviation from the running mean; fast on abrupt increases;
  ``threshold`` (default 50) and ``delta`` (default 0.005) in the error's units.
- ``kswin``: a Kolmogorov-Smirnov test between a recent and an older window; catches
  changes in the whole distribution, not only the mean (``alpha``, ``window_size``,
  ``stat_size``).

river is an optional dependency (``pip install 'driftloop[monitoring]'``).
"""

from __future__ import annotations

import enum
import importlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from driftloop.errors import InvalidParameterError, MissingDependencyError


class Detector(enum.StrEnum):
    """The change detectors :func:`detect_changes` runs."""

    ADWIN = "adwin"
    PAGE_HINKLEY = "page_hinkley"
    KSWIN = "kswin"


_RIVER_CLASSES = {
    Detector.ADWIN: "ADWIN",
    Detector.PAGE_HINKLEY: "PageHinkley",
    Detector.KSWIN: "KSWIN",
}


@dataclass(frozen=True, slots=True)
class ChangePoint:
    """Where a detector fired.

    Attributes:
        index: Position in the stream (0-based) of the value that triggered it.
        timestamp: That row's time (ms since the epoch) when timestamps were given, else None.
        detector: The detector's name.
    """

    index: int
    timestamp: int | None
    detector: str


def error_stream(predictions: Sequence[Any], labels: Sequence[Any], *, task: str) -> np.ndarray:
    """Per-row errors of a model against its labels.

    ``classification``: 1.0 where the prediction differs from the label, else 0.0.
    ``regression``: the absolute error.

    Raises:
        InvalidParameterError: Lengths differ, ``task`` is unknown, or a regression value is
            not a finite number.
    """
    if len(predictions) != len(labels):
        raise InvalidParameterError(
            f"{len(predictions)} predictions but {len(labels)} labels", field="labels"
        )
    if task == "classification":
        return np.fromiter(
            (0.0 if p == y else 1.0 for p, y in zip(predictions, labels, strict=True)),
            dtype=np.float64,
            count=len(labels),
        )
    if task == "regression":
        try:
            errors = np.abs(
                np.asarray(predictions, dtype=np.float64) - np.asarray(labels, dtype=np.float64)
            )
        except (TypeError, ValueError):
            raise InvalidParameterError(
                "regression predictions and labels must be numbers", field="labels"
            ) from None
        if not np.isfinite(errors).all():
            raise InvalidParameterError(
                "regression predictions and labels must be finite", field="labels"
            )
        return errors
    raise InvalidParameterError(
        f"task must be 'classification' or 'regression', got {task!r}", field="task"
    )


def detect_changes(
    values: Sequence[float] | np.ndarray,
    *,
    detector: Detector | str = Detector.ADWIN,
    timestamps: Sequence[int] | None = None,
    **parameters: Any,
) -> list[ChangePoint]:
    """Run ``detector`` over ``values`` in order; every point where it signalled a change.

    Args:
        values: The stream, e.g. :func:`error_stream`'s output, oldest first.
        detector: ``adwin``, ``page_hinkley`` or ``kswin``.
        timestamps: One per value (ms), to report when each change happened.
        parameters: Passed to river's detector (e.g. ``delta=0.002`` for ADWIN; ``seed``
            for KSWIN, which samples).

    Raises:
        InvalidParameterError: Unknown detector or parameter, a non-finite value, or
            timestamps of another length.
        MissingDependencyError: river is not installed.
    """
    try:
        kind = Detector(detector)
    except ValueError:
        names = ", ".join(d.value for d in Detector)
        raise InvalidParameterError(
            f"unknown detector {detector!r}; use one of {names}", field="detector"
        ) from None
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise InvalidParameterError("values must be one-dimensional", field="values")
    if not np.isfinite(array).all():
        raise InvalidParameterError("values must be finite numbers", field="values")
    if timestamps is not None and len(timestamps) != len(array):
        raise InvalidParameterError(
            f"{len(timestamps)} timestamps for {len(array)} values", field="timestamps"
        )
    instance = _river_detector(kind, parameters)
    changes: list[ChangePoint] = []
    for index, value in enumerate(array.tolist()):
        instance.update(value)
        if instance.drift_detected:
            timestamp = None if timestamps is None else int(timestamps[index])
            changes.append(ChangePoint(index, timestamp, kind.value))
    return changes


def _river_detector(kind: Detector, parameters: dict[str, Any]) -> Any:
    try:
        drift = importlib.import_module("river.drift")
    except ImportError as error:
        raise MissingDependencyError("river", "monitoring") from error
    for name, value in parameters.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidParameterError(f"{name} must be finite", field=name)
    try:
        return getattr(drift, _RIVER_CLASSES[kind])(**parameters)
    except TypeError as error:
        raise InvalidParameterError(
            f"bad parameters for {kind.value}: {error}", field="parameters"
        ) from None
    except ValueError as error:
        raise InvalidParameterError(
            f"bad parameter value for {kind.value}: {error}", field="parameters"
        ) from None
