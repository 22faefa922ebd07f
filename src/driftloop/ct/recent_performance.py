"""The champion's live metrics on its newest labelled answers, as the controller scores them.

A monitor run measures live performance over its own window on its own schedule; the
performance trigger would see a drop only at the next run. The controller also scores the
newest labelled answers itself at every tick (``triggers.performance.recent``), so a drop is
seen as soon as its labels arrive. Pure: the controller reads the rows from the inference
log and feedback, the loop benchmark from its arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.performance import classification_metrics, regression_metrics

__all__ = ["RecentPerformance", "recent_performance"]


@dataclass(frozen=True, slots=True)
class RecentPerformance:
    """Live metrics of the newest labelled answers.

    Attributes:
        metrics: Finite metric values (``accuracy``, ``f1``, ... or ``rmse``, ``mae``, ...).
        labelled: How many labelled answers they rest on.
        window_end_ms: When the newest of them was scored (ms since the epoch).
    """

    metrics: dict[str, float]
    labelled: int
    window_end_ms: int


def recent_performance(
    labels: Sequence[Any] | np.ndarray,
    predictions: Sequence[Any] | np.ndarray,
    timestamps: Sequence[int] | np.ndarray,
    *,
    classifier: bool,
    count: int,
) -> RecentPerformance | None:
    """The metrics of the newest ``count`` rows (inputs in time order, oldest first).

    None when there is no row or ``count`` is 0.

    >>> found = recent_performance([1, 0, 1, 1], [0, 0, 1, 0], [1, 2, 3, 4],
    ...                            classifier=True, count=3)
    >>> found.metrics["accuracy"], found.labelled, found.window_end_ms
    (0.6666666666666666, 3, 4)

    Raises:
        InvalidParameterError: ``count`` is negative or the inputs differ in length.
    """
    if count < 0:
        raise InvalidParameterError(f"count must be >= 0, got {count}", field="count")
    if not len(labels) == len(predictions) == len(timestamps):
        raise InvalidParameterError(
            "labels, predictions and timestamps must have the same length", field="labels"
        )
    if count == 0 or len(labels) == 0:
        return None
    y = np.asarray(labels)[-count:]
    p = np.asarray(predictions)[-count:]
    if classifier:
        values = classification_metrics(y, p)
    else:
        values = regression_metrics(y.astype(np.float64), p.astype(np.float64))
    return RecentPerformance(
        metrics={name: value for name, value in values.items() if math.isfinite(value)},
        labelled=len(y),
        window_end_ms=int(np.asarray(timestamps)[-1]),
    )
