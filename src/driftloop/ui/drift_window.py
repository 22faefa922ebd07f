"""Per-column reference and current distributions of one stored monitoring run.

A stored run keeps each column's score and verdict, not the binned distributions, so they
are measured again: the run's window is read from the inference log (champion route, rows
the run's model version answered) and compared with that version's reference profile, as
``driftloop monitor run`` did. Only profiles below the server's artifacts destination are
read (as for the artifact browser).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from driftloop.entities import Deployment, MonitorRun
from driftloop.errors import DriftloopError, NotFoundError
from driftloop.monitoring.drift import ColumnDrift, DatasetDrift, compute_drift
from driftloop.monitoring.inference_log import feature_frame, read_inference_log
from driftloop.monitoring.monitor_run import PROFILE_FILE
from driftloop.monitoring.profile import DatasetProfile
from driftloop.server.mlflow_api.artifact_uris import relative_to_destination
from driftloop.server.routing import Call
from driftloop.ui.inference import LOG_ERRORS, inference_log_root

logger = logging.getLogger("driftloop.ui")

SHOWN_COLUMNS = 12
"""Columns whose distributions are drawn (drifted first, then by score)."""


@dataclass(frozen=True, slots=True)
class WindowDrift:
    """The distributions measured again for one run, or why they could not be."""

    drift: DatasetDrift | None
    columns: tuple[ColumnDrift, ...]
    reason: str | None


def window_drift(call: Call, deployment: Deployment, run: MonitorRun) -> WindowDrift:
    """Compare ``run``'s window with its model version's reference profile again."""
    if run.model_version is None:
        return WindowDrift(None, (), "the run's window was scored by several versions")
    try:
        drift = _measure(call, deployment, run, run.model_version)
    except (*LOG_ERRORS, ValueError) as error:
        return WindowDrift(None, (), _message(error))
    if isinstance(drift, str):
        return WindowDrift(None, (), drift)
    columns = [c for c in drift.columns if c.computable]
    if drift.prediction is not None and drift.prediction.computable:
        columns.append(drift.prediction)
    columns.sort(key=lambda c: (not c.drifted, -c.score, c.column))
    return WindowDrift(drift, tuple(columns[:SHOWN_COLUMNS]), None)


def _measure(
    call: Call, deployment: Deployment, run: MonitorRun, version: int
) -> DatasetDrift | str:
    """The drift of the run's window again, or why there is nothing to measure."""
    profile = _profile(call, deployment.model_name, version)
    if profile is None:
        return "the model's reference profile is not stored below the server"
    table = read_inference_log(
        inference_log_root(call.state.config),
        deployment.name,
        start=run.window_start,
        end=run.window_end,
        routes=["champion"],
        with_feedback=False,
    )
    if table.num_rows and "model_version" in table.column_names:
        versions = table.column("model_version").cast(pa.int64())
        table = table.filter(pc.equal(versions, version))
    if table.num_rows == 0:
        return "the inference log no longer holds this window's rows"
    predictions = table.column("prediction").to_numpy(zero_copy_only=False)
    return compute_drift(profile, feature_frame(table), predictions=predictions)


def _message(error: Exception) -> str:
    if isinstance(error, DriftloopError):
        return str(error)
    logger.warning("cannot read an inference log or profile", exc_info=error)
    return f"the files could not be read ({type(error).__name__}; see the server log)"


def _profile(call: Call, model_name: str, version: int) -> DatasetProfile | None:
    found = call.state.stores.model_versions.get_model_version(model_name, version)
    base = relative_to_destination(found.source, call.state.config.artifacts_destination)
    if base is None:
        return None
    path = f"{base}/{PROFILE_FILE}" if base else PROFILE_FILE
    try:
        text = call.state.artifacts.read_bytes(path).decode("utf-8")
    except NotFoundError:
        return None
    return DatasetProfile.from_json(text)
