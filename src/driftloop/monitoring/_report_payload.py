"""The drift report's content as plain JSON-ready data (the HTML is rendered from it)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from driftloop.entities.monitoring import SeriesPoint
from driftloop.monitoring._drift_types import ColumnDrift
from driftloop.monitoring.drift import DatasetDrift
from driftloop.monitoring.performance import PerformanceComparison

REPORT_FORMAT_VERSION = 1
"""Layout version of the report JSON (``format_version``)."""


def finite(value: float | None) -> float | None:
    """``value``, or None when it is missing or not finite (strict JSON has no NaN)."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def sort_key(column: ColumnDrift) -> tuple[bool, bool, float, str]:
    """Drifted first, then computable ones by descending score, then by name."""
    score = column.score if math.isfinite(column.score) else -math.inf
    return (not column.drifted, not column.computable, -score, column.column)


def column_row(column: ColumnDrift) -> dict[str, Any]:
    """One column's verdict, its missing-rate change and its binned distributions."""
    distribution = column.distribution
    return {
        "column": column.column,
        "kind": column.kind,
        "method": column.method.value,
        "is_test": column.method.is_test,
        "score": finite(column.score),
        "p_value": finite(column.p_value),
        "threshold": column.threshold,
        "drifted": column.drifted,
        "computable": column.computable,
        "reason": column.reason,
        "reference_rows": column.reference_rows,
        "current_rows": column.current_rows,
        "reference_missing_rate": finite(column.reference_missing_rate),
        "current_missing_rate": finite(column.current_missing_rate),
        "missing_rate_change": finite(column.current_missing_rate - column.reference_missing_rate),
        "missing_p_value": finite(column.missing_p_value),
        "missing_drifted": column.missing_drifted,
        "unseen_categories": list(column.unseen_categories),
        "unseen_share": finite(column.unseen_share),
        "importance": finite(column.importance),
        "distribution": {
            "labels": list(distribution.labels),
            "reference": [finite(share) for share in distribution.reference],
            "current": [finite(share) for share in distribution.current],
        },
    }


def summary(drift: DatasetDrift) -> dict[str, Any]:
    """The dataset verdict and the counts behind it."""
    computable = sum(1 for column in drift.columns if column.computable)
    return {
        "verdict": drift.verdict.value,
        "reference_rows": drift.reference_rows,
        "current_rows": drift.current_rows,
        "columns": len(drift.columns),
        "computable_columns": computable,
        "drifted_columns": list(drift.drifted_columns),
        "drifted_share": finite(drift.drifted_share),
        "dataset_share": drift.dataset_share,
        "weighted": drift.weighted,
        "missing_columns": list(drift.missing_columns),
        "missing_rate_changes": list(drift.missing_rate_changes),
        "prediction_drifted": None if drift.prediction is None else drift.prediction.drifted,
    }


def performance_rows(
    performance: PerformanceComparison | Mapping[str, float] | None,
) -> list[dict[str, Any]] | None:
    """Metric rows: current value, training value, relative change, degraded flag."""
    if performance is None:
        return None
    if not isinstance(performance, PerformanceComparison):
        performance = PerformanceComparison(current=dict(performance), reference={})
    return [
        {
            "metric": name,
            "current": finite(value),
            "reference": finite(performance.reference.get(name)),
            "relative_change": finite(performance.relative_change.get(name)),
            "degraded": name in performance.degraded,
        }
        for name, value in sorted(performance.current.items())
    ]


def series_rows(
    series: Mapping[str, Sequence[SeriesPoint]] | None,
) -> dict[str, list[dict[str, Any]]]:
    """Each named series' points in time order."""
    return {
        name: [
            {
                "run_id": point.run_id,
                "window_end": point.window_end,
                "model_version": point.model_version,
                "value": finite(point.value),
            }
            for point in sorted(points, key=lambda p: p.window_end)
        ]
        for name, points in (series or {}).items()
    }
