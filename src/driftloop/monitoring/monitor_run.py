"""One monitoring run of a deployment: read a window, measure drift and performance, store.

:func:`monitor_deployment` is what ``driftloop monitor run`` does:

1. resolve the deployment's champion version and read its reference profile
   (``profile.json`` in the model directory);
2. read the window from the inference log: the newest ``last_rows`` rows, or the rows since
   ``since_ms``, of the champion route;
3. :func:`~driftloop.monitoring.drift.compute_drift` on the features and the predictions;
4. when some rows have feedback labels, live metrics against the training run's metrics
   (:mod:`driftloop.monitoring.performance`);
5. store everything as one :class:`~driftloop.entities.MonitorRun` in the
   :class:`~driftloop.store.base.MonitorStore` when one is given.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from driftloop.entities import (
    DATASET_COLUMN,
    PERFORMANCE_COLUMN,
    PREDICTION_COLUMN,
    MonitorPoint,
    MonitorRun,
    MonitorVerdict,
)
from driftloop.errors import InvalidParameterError, NotFoundError
from driftloop.monitoring.drift import DatasetDrift, DriftOptions, compute_drift
from driftloop.monitoring.inference_log import feature_frame, read_inference_log
from driftloop.monitoring.performance import (
    PerformanceComparison,
    classification_metrics,
    compare_performance,
    regression_metrics,
)
from driftloop.monitoring.profile import DatasetProfile
from driftloop.store.base import MonitorStore
from driftloop.tracking import Client

PROFILE_FILE = "profile.json"


@dataclass(frozen=True, slots=True)
class MonitorResult:
    """What one monitoring run found.

    Attributes:
        deployment: The deployment.
        model_version: The champion version the profile came from.
        window_start: First row's time (ms), or None for an empty window.
        window_end: Last row's time + 1 ms, or None.
        rows: Rows in the window.
        drift: Data and prediction drift.
        performance: Live metrics against the training metrics, when labels existed.
        labelled_rows: Rows of the window that had a label.
        stored: The stored run, when a store was given.
    """

    deployment: str
    model_version: int
    window_start: int | None
    window_end: int | None
    rows: int
    drift: DatasetDrift
    performance: PerformanceComparison | None
    labelled_rows: int
    stored: MonitorRun | None


def monitor_deployment(
    client: Client,
    deployment: str,
    inference_log_uri: str,
    *,
    last_rows: int | None = None,
    since_ms: int | None = None,
    options: DriftOptions | None = None,
    store: MonitorStore | None = None,
    log_name: str | None = None,
) -> MonitorResult:
    """Monitor ``deployment``'s champion over a window of its inference log.

    Raises:
        InvalidParameterError: Both or neither of ``last_rows`` / ``since_ms``, or bad values.
        DeploymentNotFoundError, AliasNotFoundError: The deployment does not resolve.
        NotFoundError: The champion version has no reference profile.
    """
    if (last_rows is None) == (since_ms is None):
        raise InvalidParameterError("give exactly one of last_rows and since", field="window")
    if last_rows is not None and last_rows < 1:
        raise InvalidParameterError("last_rows must be at least 1", field="last_rows")
    target = client.get_deployment(deployment)
    version = client.get_version_by_alias(target.model_name, target.champion_alias)
    profile = _profile(client, version.source)
    table = read_inference_log(
        inference_log_uri,
        log_name or deployment,
        start=since_ms,
        last_rows=last_rows,
        routes=["champion"],
    )
    features = feature_frame(table)
    predictions = (
        table.column("prediction").to_numpy(zero_copy_only=False) if table.num_rows else None
    )
    drift = compute_drift(profile, features, predictions=predictions, options=options)
    performance, labelled = _performance(client, version.run_id, table)
    start, end = _window(table)
    stored = None
    if store is not None:
        stored = store.record_monitor_run(
            deployment,
            model_version=version.version,
            window_start=start if start is not None else int(time.time() * 1000),
            window_end=end if end is not None else int(time.time() * 1000),
            rows=table.num_rows,
            verdict=drift.verdict,
            points=_points(drift, performance),
            details={"drifted_columns": ",".join(drift.drifted_columns)},
        )
    return MonitorResult(
        deployment,
        version.version,
        start,
        end,
        table.num_rows,
        drift,
        performance,
        labelled,
        stored,
    )


def _profile(client: Client, source: str) -> DatasetProfile:
    from driftloop.artifacts import get_artifact_repository

    repository = get_artifact_repository(source, tracking_uri=client.tracking_uri)
    try:
        text = repository.read_bytes(PROFILE_FILE).decode("utf-8")
    except NotFoundError:
        raise NotFoundError(
            f"the model at {source!r} has no reference profile (log it with training_data=...)",
            field="model",
        ) from None
    return DatasetProfile.from_json(text)


def _window(table: pa.Table) -> tuple[int | None, int | None]:
    if table.num_rows == 0:
        return None, None
    stamps = table.column("timestamp").cast(pa.int64()).to_numpy()
    return int(stamps.min()), int(stamps.max()) + 1


def _performance(
    client: Client, run_id: str | None, table: pa.Table
) -> tuple[PerformanceComparison | None, int]:
    if table.num_rows == 0 or "label" not in table.column_names:
        return None, 0
    labels = table.column("label").to_pylist()
    predictions = table.column("prediction").to_pylist()
    pairs = [(y, p) for y, p in zip(labels, predictions, strict=True) if y is not None]
    if not pairs:
        return None, 0
    y = [pair[0] for pair in pairs]
    p = [pair[1] for pair in pairs]
    if not _is_classifier(table, p, y):
        current = regression_metrics(
            np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
        )
    else:
        current = classification_metrics(np.asarray(y), np.asarray(p))
    reference: dict[str, float] = {}
    if run_id is not None:
        metrics = client.get_run(run_id).data.metrics
        reference = {name: float(value) for name, value in metrics.items() if name in current}
    return compare_performance(current, reference), len(pairs)


def _is_classifier(table: pa.Table, predictions: list[Any], labels: list[Any]) -> bool:
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


def _points(drift: DatasetDrift, performance: PerformanceComparison | None) -> list[MonitorPoint]:
    points = [
        MonitorPoint(DATASET_COLUMN, "drifted_share", drift.drifted_share),
        MonitorPoint(
            DATASET_COLUMN, "drifted", 1.0 if drift.verdict is MonitorVerdict.DRIFT else 0.0
        ),
    ]
    columns = list(drift.columns)
    if drift.prediction is not None:
        columns.append(drift.prediction)
    for column in columns:
        name = PREDICTION_COLUMN if column is drift.prediction else column.column
        points.append(MonitorPoint(name, "drift_score", _finite(column.score)))
        points.append(MonitorPoint(name, "drifted", 1.0 if column.drifted else 0.0))
        points.append(MonitorPoint(name, "missing_rate", column.current_missing_rate))
        if column.p_value is not None:
            points.append(MonitorPoint(name, "p_value", column.p_value))
    if performance is not None:
        for metric, value in performance.current.items():
            points.append(MonitorPoint(PERFORMANCE_COLUMN, metric, _finite(value)))
    return points


def _finite(value: Any) -> float:
    number = float(value)
    return number if math.isfinite(number) or math.isnan(number) else math.nan
