"""The labelled rows of a monitoring window: live metrics and the per-row error stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from driftloop.monitoring.detectors import error_stream
from driftloop.monitoring.performance import (
    PerformanceComparison,
    classification_metrics,
    compare_performance,
    regression_metrics,
)
from driftloop.tracking import Client


@dataclass(frozen=True, slots=True)
class LabelledRows:
    """The rows of a window that have a feedback label, in the window's (time) order.

    Attributes:
        predictions: The model's answer per row.
        labels: The label per row.
        timestamps: When each row was scored (ms since the epoch).
        classifier: Whether the window is scored as classification (else regression).
    """

    predictions: list[Any]
    labels: list[Any]
    timestamps: list[int]
    classifier: bool

    @property
    def task(self) -> str:
        """``classification`` or ``regression``."""
        return "classification" if self.classifier else "regression"

    def errors(self) -> np.ndarray:
        """Per-row errors, oldest first: 0/1 (wrong) for a classifier, else the absolute error."""
        return error_stream(self.predictions, self.labels, task=self.task)


def labelled_rows(table: pa.Table) -> LabelledRows | None:
    """The labelled rows of ``table`` (an inference-log window), or None when there are none."""
    if table.num_rows == 0 or "label" not in table.column_names:
        return None
    labels = table.column("label").to_pylist()
    predictions = table.column("prediction").to_pylist()
    stamps = table.column("timestamp").cast(pa.int64()).to_pylist()
    keep = [index for index, label in enumerate(labels) if label is not None]
    if not keep:
        return None
    p = [predictions[index] for index in keep]
    y = [labels[index] for index in keep]
    return LabelledRows(p, y, [int(stamps[index]) for index in keep], is_classifier(table, p, y))


def live_performance(
    client: Client, run_id: str | None, rows: LabelledRows
) -> PerformanceComparison:
    """The window's metrics against the training run's metrics of the same names."""
    if rows.classifier:
        current = classification_metrics(np.asarray(rows.labels), np.asarray(rows.predictions))
    else:
        current = regression_metrics(
            np.asarray(rows.labels, dtype=np.float64),
            np.asarray(rows.predictions, dtype=np.float64),
        )
    reference: dict[str, float] = {}
    if run_id is not None:
        metrics = client.get_run(run_id).data.metrics
        reference = {name: float(value) for name, value in metrics.items() if name in current}
    return compare_performance(current, reference)


def is_classifier(table: pa.Table, predictions: list[Any], labels: list[Any]) -> bool:
    """Whether to score the window as classification.

    Yes when the model logged class probabilities, when predictions are not numbers, or when
    every prediction and label is a whole number (classes coded as integers, e.g. a hinge-loss
    classifier with no probabilities); otherwise the window is scored as regression.
    """
    if "probabilities" in table.column_names:
        probabilities = table.column("probabilities")
        if probabilities.null_count < len(probabilities):
            return True
    if any(isinstance(v, str | bool) for v in predictions):
        return True
    return all(
        isinstance(v, int | float) and float(v).is_integer() for v in (*predictions, *labels)
    )
