"""One monitoring run of a deployment: read a window, measure drift and performance, store.

:func:`monitor_deployment` is what ``driftloop monitor run`` does:

1. resolve the deployment's champion version and read its reference profile
   (``profile.json`` in the model directory);
2. read the window from the inference log: the newest ``last_rows`` rows, or the rows since
   ``since_ms``, of the champion route, keeping only the rows the champion version itself
   answered (after a promotion the window's older rows are the former champion's answers,
   so the newest ``last_rows`` may yield fewer rows);
3. :func:`~driftloop.monitoring.drift.compute_drift` on the features and the predictions;
4. when some rows have feedback labels, live metrics against the training run's metrics
   (:mod:`driftloop.monitoring.performance`), and a change detector (ADWIN by default) over
   the per-row error stream in time order: concept drift, which the features alone miss;
5. store everything as one :class:`~driftloop.entities.MonitorRun` in the
   :class:`~driftloop.store.base.MonitorStore` when one is given.

:func:`deployment_report` turns a result into a
:class:`~driftloop.monitoring.report.DriftReport` with the stored series of past runs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from driftloop.entities import (
    DATASET_COLUMN,
    PERFORMANCE_COLUMN,
    PREDICTION_COLUMN,
    MonitorPoint,
    MonitorRun,
    MonitorVerdict,
)
from driftloop.errors import InvalidParameterError, NotFoundError
from driftloop.monitoring._monitor_changes import (
    CHANGE_POINTS_METRIC,
    DETECTOR_CHOICES,
    ChangeDetection,
    detect_error_changes,
    resolve_detector,
)
from driftloop.monitoring._monitor_labels import LabelledRows, labelled_rows, live_performance
from driftloop.monitoring._monitor_report import deployment_report
from driftloop.monitoring.detectors import ChangePoint, Detector
from driftloop.monitoring.drift import DatasetDrift, DriftOptions, compute_drift
from driftloop.monitoring.inference_log import feature_frame, read_inference_log
from driftloop.monitoring.performance import PerformanceComparison
from driftloop.monitoring.profile import DatasetProfile
from driftloop.store.base import MonitorStore
from driftloop.tracking import Client

__all__ = [
    "CHANGE_POINTS_METRIC",
    "DETECTOR_CHOICES",
    "LABELLED_ROWS_METRIC",
    "PROFILE_FILE",
    "ChangePoint",
    "Detector",
    "LabelledRows",
    "MonitorResult",
    "deployment_report",
    "detect_error_changes",
    "labelled_rows",
    "monitor_deployment",
]

PROFILE_FILE = "profile.json"
LABELLED_ROWS_METRIC = "labelled_rows"
"""Point (``__performance__`` column) holding how many rows of the window had a label."""


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
        changes: Where the detector found the error stream changed, oldest first
            (``index`` counts the labelled rows of the window; ``timestamp`` is when that
            row was scored).
        detector: The detector that ran over the error stream, or None when none ran.
        detection_note: Why no detection was made although one was asked for (river is
            not installed), or None.
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
    changes: tuple[ChangePoint, ...] = ()
    detector: str | None = None
    detection_note: str | None = None


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
    detector: Detector | str | None = Detector.ADWIN,
    detector_parameters: Mapping[str, Any] | None = None,
) -> MonitorResult:
    """Monitor ``deployment``'s champion over a window of its inference log.

    Args:
        client: The tracking client (deployment, registry, training metrics, profile).
        deployment: The deployment's name.
        inference_log_uri: The inference log's root.
        last_rows: The newest this many rows (exclusive with ``since_ms``).
        since_ms: The rows scored since then, ms since the epoch.
        options: Drift thresholds and methods.
        store: Where to record the run; None to record nothing.
        log_name: The inference log's name when it is not the deployment's.
        detector: The change detector run over the labelled rows' error stream: ``adwin``,
            ``page_hinkley``, ``kswin``, or None / ``"none"`` for no detection. Without
            river the run goes on without it (``detection_note`` says so).
        detector_parameters: Passed to the detector (e.g. ``{"delta": 0.01}`` for ADWIN).

    Raises:
        InvalidParameterError: Both or neither of ``last_rows`` / ``since_ms``, or bad values
            (an unknown detector or detector parameter included).
        DeploymentNotFoundError, AliasNotFoundError: The deployment does not resolve.
        NotFoundError: The champion version has no reference profile.
    """
    if (last_rows is None) == (since_ms is None):
        raise InvalidParameterError("give exactly one of last_rows and since", field="window")
    if last_rows is not None and last_rows < 1:
        raise InvalidParameterError("last_rows must be at least 1", field="last_rows")
    chosen = resolve_detector(detector)
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
    table = _answered_by(table, version.version)
    features = feature_frame(table)
    predictions = (
        table.column("prediction").to_numpy(zero_copy_only=False) if table.num_rows else None
    )
    drift = compute_drift(profile, features, predictions=predictions, options=options)
    labelled = labelled_rows(table)
    performance = None if labelled is None else live_performance(client, version.run_id, labelled)
    detection = detect_error_changes(labelled, chosen, detector_parameters)
    start, end = _window(table)
    stored = None
    if store is not None:
        now = int(time.time() * 1000)
        stored = store.record_monitor_run(
            deployment,
            model_version=version.version,
            window_start=start if start is not None else now,
            window_end=end if end is not None else now,
            rows=table.num_rows,
            verdict=drift.verdict,
            points=_points(
                drift, performance, detection, 0 if labelled is None else len(labelled.labels)
            ),
            details=_details(drift, detection),
        )
    return MonitorResult(
        deployment,
        version.version,
        start,
        end,
        table.num_rows,
        drift,
        performance,
        0 if labelled is None else len(labelled.labels),
        stored,
        detection.changes,
        detection.detector,
        detection.note,
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


def _answered_by(table: pa.Table, version: int) -> pa.Table:
    """The rows the current champion version answered.

    Not a former champion's, logged before a promotion: they would be judged against the
    new version's profile and metrics.
    """
    if table.num_rows == 0 or "model_version" not in table.column_names:
        return table
    column = table.column("model_version").cast(pa.int64())
    return table.filter(pc.equal(column, version))


def _window(table: pa.Table) -> tuple[int | None, int | None]:
    if table.num_rows == 0:
        return None, None
    stamps = table.column("timestamp").cast(pa.int64()).to_numpy()
    return int(stamps.min()), int(stamps.max()) + 1


def _details(drift: DatasetDrift, detection: ChangeDetection) -> dict[str, str]:
    details = {"drifted_columns": ",".join(drift.drifted_columns)}
    if detection.detector is not None:
        details["detector"] = detection.detector
        if detection.changes and detection.changes[-1].timestamp is not None:
            details["last_change_ms"] = str(detection.changes[-1].timestamp)
    if detection.note is not None:
        details["detection_note"] = detection.note
    return details


def _points(
    drift: DatasetDrift,
    performance: PerformanceComparison | None,
    detection: ChangeDetection,
    labelled_count: int,
) -> list[MonitorPoint]:
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
    points.append(MonitorPoint(PERFORMANCE_COLUMN, LABELLED_ROWS_METRIC, float(labelled_count)))
    if performance is not None:
        for metric, value in performance.current.items():
            points.append(MonitorPoint(PERFORMANCE_COLUMN, metric, _finite(value)))
    if detection.detector is not None:
        points.append(
            MonitorPoint(PERFORMANCE_COLUMN, CHANGE_POINTS_METRIC, float(len(detection.changes)))
        )
    return points


def _finite(value: Any) -> float:
    number = float(value)
    return number if math.isfinite(number) or math.isnan(number) else math.nan
