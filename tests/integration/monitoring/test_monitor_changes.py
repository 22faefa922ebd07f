"""Concept drift in ``monitor_deployment``: a change detector over the labelled rows' error
stream finds a jump in the error rate that the features do not show, stores it, and stays
quiet on a steady deployment."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.monitoring.concept import (
    JUMP,
    MODEL,
    ROWS,
    Tracking,
    add_regressor,
    tracking_with_model,
    write_log,
)
from tests.serving.models import logistic, training_frame

from driftloop.entities import PERFORMANCE_COLUMN, MonitorRun
from driftloop.errors import InvalidParameterError
from driftloop.monitoring.monitor_run import (
    CHANGE_POINTS_METRIC,
    LABELLED_ROWS_METRIC,
    monitor_deployment,
)
from driftloop.store.base import MonitorStore
from driftloop.store.sql import open_sql_stores

MAX_DELAY = 300
"""Rows after the jump within which every detector must have fired (ADWIN needs ~60)."""


@pytest.fixture(scope="module")
def tracking(tmp_path_factory: pytest.TempPathFactory) -> Tracking:
    tracking = tracking_with_model(tmp_path_factory.mktemp("concept"), ("drifting", "steady"))
    add_regressor(tracking, "regressing")
    write_log(tracking, "drifting", before=0.05, after=0.45)
    write_log(tracking, "steady", before=0.1, after=0.1, seed=1)
    write_log(tracking, "regressing", before=0.1, after=1.5, seed=2, model="reg")
    return tracking


@pytest.fixture
def store(tracking: Tracking) -> Iterator[MonitorStore]:
    stores = open_sql_stores(
        f"sqlite:///{tracking.root / 'driftloop.db'}",
        default_artifact_root=(tracking.root / "artifacts").as_uri(),
    )
    try:
        yield stores.monitoring
    finally:
        stores.close()


def _point(run: MonitorRun, metric: str) -> float | None:
    found = [p.value for p in run.points if p.column == PERFORMANCE_COLUMN and p.metric == metric]
    return found[0] if found else None


def test_an_error_rate_jump_is_a_change_point_near_the_jump(
    tracking: Tracking, store: MonitorStore
) -> None:
    result = monitor_deployment(
        tracking.client, "drifting", tracking.log_root, last_rows=ROWS, store=store
    )
    assert result.drift.verdict.value == "no_drift"  # the features did not move
    assert result.labelled_rows == ROWS
    assert result.detector == "adwin"
    assert result.detection_note is None
    assert result.changes, "ADWIN missed a jump of the error rate from 5% to 45%"
    first = result.changes[0]
    assert JUMP <= first.index <= JUMP + MAX_DELAY
    assert result.window_start is not None
    assert first.timestamp == result.window_start + first.index * 1000  # one row a second
    assert all(change.index >= JUMP for change in result.changes)
    assert result.stored is not None
    stored = store.get_monitor_run(result.stored.run_id)
    assert _point(stored, CHANGE_POINTS_METRIC) == len(result.changes)
    assert _point(stored, LABELLED_ROWS_METRIC) == ROWS
    assert stored.details["detector"] == "adwin"
    assert stored.details["last_change_ms"] == str(result.changes[-1].timestamp)


def test_a_steady_error_rate_has_no_change_point(tracking: Tracking, store: MonitorStore) -> None:
    result = monitor_deployment(
        tracking.client, "steady", tracking.log_root, last_rows=ROWS, store=store
    )
    assert result.labelled_rows == ROWS
    assert result.detector == "adwin"
    assert result.changes == ()
    assert result.stored is not None
    stored = store.get_monitor_run(result.stored.run_id)
    assert _point(stored, CHANGE_POINTS_METRIC) == 0.0
    assert "last_change_ms" not in stored.details


@pytest.mark.parametrize("detector", ["page_hinkley", "kswin"])
def test_every_detector_can_be_chosen(tracking: Tracking, detector: str) -> None:
    drifting = monitor_deployment(
        tracking.client, "drifting", tracking.log_root, last_rows=ROWS, detector=detector
    )
    assert drifting.detector == detector
    assert drifting.changes
    assert JUMP <= drifting.changes[0].index <= JUMP + MAX_DELAY
    steady = monitor_deployment(
        tracking.client, "steady", tracking.log_root, last_rows=ROWS, detector=detector
    )
    assert steady.changes == ()


def test_detector_parameters_reach_the_detector(tracking: Tracking) -> None:
    # A threshold no 0/1 stream of 2000 rows can reach: Page-Hinkley never fires.
    result = monitor_deployment(
        tracking.client,
        "drifting",
        tracking.log_root,
        last_rows=ROWS,
        detector="page_hinkley",
        detector_parameters={"threshold": 5000.0},
    )
    assert result.changes == ()
    with pytest.raises(InvalidParameterError, match="bad parameters for adwin"):
        monitor_deployment(
            tracking.client,
            "drifting",
            tracking.log_root,
            last_rows=ROWS,
            detector_parameters={"no_such_parameter": 1},
        )


def test_a_regressors_absolute_error_jump_is_found(tracking: Tracking) -> None:
    result = monitor_deployment(tracking.client, "regressing", tracking.log_root, last_rows=ROWS)
    assert result.performance is not None
    assert "rmse" in result.performance.current  # scored as regression
    assert result.changes
    assert JUMP <= result.changes[0].index <= JUMP + MAX_DELAY


def test_no_detector_means_no_detection_and_no_point(
    tracking: Tracking, store: MonitorStore
) -> None:
    for off in (None, "none"):
        result = monitor_deployment(
            tracking.client,
            "drifting",
            tracking.log_root,
            last_rows=ROWS,
            store=store,
            detector=off,
        )
        assert result.detector is None
        assert result.changes == ()
        assert result.performance is not None  # live metrics still computed
        assert result.stored is not None
        stored = store.get_monitor_run(result.stored.run_id)
        assert _point(stored, CHANGE_POINTS_METRIC) is None
        assert _point(stored, "accuracy") is not None
        assert "detector" not in stored.details


def test_an_unknown_detector_is_refused_before_reading_anything(tracking: Tracking) -> None:
    with pytest.raises(InvalidParameterError, match="unknown detector 'cusum'") as caught:
        monitor_deployment(
            tracking.client, "no-such-deployment", tracking.log_root, last_rows=5, detector="cusum"
        )
    assert caught.value.field == "detector"


def test_a_window_without_labels_runs_no_detector(tracking: Tracking, tmp_path: Path) -> None:
    result = monitor_deployment(
        tracking.client, "drifting", str(tmp_path / "empty-log"), last_rows=10
    )
    assert result.rows == 0
    assert result.detector is None
    assert result.detection_note is None


def test_without_river_the_run_goes_on_with_a_note(tracking: Tracking) -> None:
    script = (
        "import sys; sys.modules['river'] = None\n"
        "from driftloop.tracking import Client\n"
        "from driftloop.monitoring.monitor_run import monitor_deployment\n"
        f"client = Client({str(tracking.root)!r})\n"
        f"result = monitor_deployment(client, 'drifting', {tracking.log_root!r},"
        f" last_rows={ROWS})\n"
        "print(result.detector, len(result.changes), result.performance.current['accuracy'])\n"
        "print(result.detection_note)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    summary, note = done.stdout.strip().splitlines()
    assert summary.startswith("None 0 0.")
    assert note.startswith("change detection skipped: 'river' is not installed")
    assert "pip install 'driftloop[monitoring]'" in note


def test_only_the_current_champion_versions_rows_are_monitored(tmp_path: Path) -> None:
    tracking = tracking_with_model(tmp_path, ("promoted",))
    first = write_log(tracking, "promoted", before=0.5, after=0.5, rows=400, seed=3)
    frame, target = training_frame()
    client = tracking.client
    run = client.create_run("0")
    client.log_metric(run.info.run_id, "accuracy", 0.9)
    client.log_model(
        run.info.run_id,
        logistic(),
        "model",
        training_data=frame,
        target=target,
        registered_model_name=MODEL,
    )
    client.set_terminated(run.info.run_id)
    client.set_alias(MODEL, "champion", 2)
    second = write_log(
        tracking,
        "promoted",
        before=0.0,
        after=0.0,
        rows=300,
        seed=4,
        start_ms=first[-1] + 1000,
        model_version=2,
    )
    result = monitor_deployment(client, "promoted", tracking.log_root, last_rows=700)
    assert result.model_version == 2
    assert result.rows == 300  # v1's 400 answers are left out
    assert result.window_start == second[0]
    assert result.labelled_rows == 300
    assert result.performance is not None
    assert result.performance.current["accuracy"] == 1.0  # v1's rows were half wrong
    assert result.changes == ()
