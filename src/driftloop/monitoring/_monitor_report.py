"""A deployment's drift report: one monitoring result plus the stored series of past runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftloop.entities import (
    DATASET_COLUMN,
    PERFORMANCE_COLUMN,
    PREDICTION_COLUMN,
    SeriesPoint,
)
from driftloop.errors import InvalidParameterError
from driftloop.monitoring._monitor_changes import CHANGE_POINTS_METRIC
from driftloop.monitoring._report_payload import sort_key
from driftloop.monitoring.report import DriftReport
from driftloop.store.base import MonitorStore

if TYPE_CHECKING:
    from driftloop.monitoring.monitor_run import MonitorResult

TOP_COLUMNS = 5
"""How many columns (drifted first, then by score) get a drift-score series by default."""

_RECENT_RUNS = 20
"""How many of the newest runs are read to find the performance metrics recorded."""

DRIFTED_SHARE_SERIES = "drifted share"
CHANGE_POINTS_SERIES = "change points in the error stream"


def drift_score_series(column: str) -> str:
    """The series name of ``column``'s drift score (``prediction`` for the predictions)."""
    return f"drift score: {column}"


def deployment_report(
    result: MonitorResult,
    store: MonitorStore | None,
    *,
    since_ms: int | None = None,
    until_ms: int | None = None,
    title: str | None = None,
    top_columns: int = TOP_COLUMNS,
) -> DriftReport:
    """The drift report of ``result``, with series over the runs ``store`` recorded.

    Series (runs whose window ended in ``[since_ms, until_ms)``; empty ones are left out):
    the drifted share, the drift score of the ``top_columns`` columns of this window
    (drifted first, then by score) and of the predictions, each live performance metric, and
    the change points found in the error stream. Without a store the report has no series.

    Raises:
        InvalidParameterError: ``top_columns`` is negative.
    """
    if top_columns < 0:
        raise InvalidParameterError("top_columns must be 0 or more", field="top_columns")
    series = (
        {}
        if store is None
        else _series(store, result, since_ms=since_ms, until_ms=until_ms, top=top_columns)
    )
    return DriftReport(
        result.drift,
        performance=result.performance,
        series=series,
        title=title or f"{result.deployment}: champion v{result.model_version}",
    )


def _series(
    store: MonitorStore,
    result: MonitorResult,
    *,
    since_ms: int | None,
    until_ms: int | None,
    top: int,
) -> dict[str, list[SeriesPoint]]:
    wanted = [(DRIFTED_SHARE_SERIES, DATASET_COLUMN, "drifted_share")]
    columns = sorted((c for c in result.drift.columns if c.computable), key=sort_key)
    wanted.extend((drift_score_series(c.column), c.column, "drift_score") for c in columns[:top])
    if result.drift.prediction is not None:
        wanted.append((drift_score_series("prediction"), PREDICTION_COLUMN, "drift_score"))
    wanted.extend(
        (metric, PERFORMANCE_COLUMN, metric)
        for metric in _performance_metrics(store, result, since_ms, until_ms)
    )
    wanted.append((CHANGE_POINTS_SERIES, PERFORMANCE_COLUMN, CHANGE_POINTS_METRIC))
    series: dict[str, list[SeriesPoint]] = {}
    for name, column, metric in wanted:
        points = store.get_series(result.deployment, column, metric, since=since_ms, until=until_ms)
        if points:
            series[name] = points
    return series


def _performance_metrics(
    store: MonitorStore, result: MonitorResult, since_ms: int | None, until_ms: int | None
) -> list[str]:
    """This window's metrics, then those the recent runs recorded, in name order."""
    names = set() if result.performance is None else set(result.performance.current)
    recent = store.list_monitor_runs(
        result.deployment, since=since_ms, until=until_ms, max_results=_RECENT_RUNS
    ).items
    for run in recent:
        points = store.get_monitor_run(run.run_id).points
        names.update(p.metric for p in points if p.column == PERFORMANCE_COLUMN)
    names.discard(CHANGE_POINTS_METRIC)
    return sorted(names)
