"""Monitoring results: what one monitoring run measured on a window of live traffic."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

DATASET_COLUMN = "__dataset__"
"""The ``column`` of points about the whole window (dataset verdict, drifted share)."""
PREDICTION_COLUMN = "__prediction__"
"""The ``column`` of points about the model's outputs (prediction drift)."""
PERFORMANCE_COLUMN = "__performance__"
"""The ``column`` of points about live performance against feedback labels."""


class MonitorVerdict(enum.StrEnum):
    """A monitoring run's overall answer."""

    NO_DRIFT = "no_drift"
    DRIFT = "drift"
    INSUFFICIENT_DATA = "insufficient_data"


@dataclass(frozen=True, slots=True)
class MonitorPoint:
    """One measured value: a metric of a column over the run's window.

    Attributes:
        column: A feature name, or :data:`DATASET_COLUMN`, :data:`PREDICTION_COLUMN`,
            :data:`PERFORMANCE_COLUMN`.
        metric: What was measured, e.g. ``psi``, ``ks_p_value``, ``drift_score``,
            ``drifted`` (1.0/0.0), ``missing_rate``, ``accuracy``, ``rmse``.
        value: The measurement (finite, or NaN when it could not be computed).
    """

    column: str
    metric: str
    value: float


@dataclass(frozen=True, slots=True)
class MonitorRun:
    """One monitoring run of a deployment over a window of its inference log.

    Attributes:
        run_id: Unique id (32 hex characters).
        deployment: The deployment (or inference-log name) monitored.
        model_version: The champion version the window was scored by, or None if mixed.
        window_start: Milliseconds since the epoch, inclusive.
        window_end: Milliseconds since the epoch, exclusive.
        rows: Rows in the window.
        verdict: The dataset verdict.
        created: When the run was recorded, milliseconds since the epoch.
        points: Every measured value.
        details: Extra facts (method per column, thresholds, the dataset rule), as strings.
    """

    run_id: str
    deployment: str
    model_version: int | None
    window_start: int
    window_end: int
    rows: int
    verdict: MonitorVerdict
    created: int
    points: tuple[MonitorPoint, ...] = ()
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One value of a metric's time series across monitoring runs.

    Attributes:
        run_id: The run that measured it.
        window_end: The end of that run's window (the x axis of a chart).
        model_version: The version the window was scored by, or None.
        value: The measurement.
    """

    run_id: str
    window_end: int
    model_version: int | None
    value: float
