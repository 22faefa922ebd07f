"""``driftloop monitor report --deployment``: the deployment's window, its live performance and
the series of the runs recorded over --history, in one report; the two-dataset mode is kept
and the two modes do not mix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.integration.monitoring.concept import (
    ROWS,
    Tracking,
    tracking_with_model,
    write_log,
)

from driftloop.monitoring.monitor_run import monitor_deployment
from driftloop.store.sql import open_sql_stores

RECORDED = 4
"""Runs recorded before the report: one after each quarter of the log was written."""


def _report(tracking: Tracking, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "driftloop.cli.main",
            "--tracking-uri",
            str(tracking.root),
            "monitor",
            "report",
            *args,
        ],
        cwd=tracking.root.parent,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


def _runs(tracking: Tracking) -> int:
    stores = open_sql_stores(
        f"sqlite:///{tracking.root / 'driftloop.db'}",
        default_artifact_root=(tracking.root / "artifacts").as_uri(),
    )
    try:
        return len(stores.monitoring.list_monitor_runs("drifting").items)
    finally:
        stores.close()


@pytest.fixture(scope="module")
def tracking(tmp_path_factory: pytest.TempPathFactory) -> Tracking:
    """``drifting``: four runs recorded as its log grew, each over the newest 1000 rows."""
    tracking = tracking_with_model(tmp_path_factory.mktemp("deployment-report"), ("drifting",))
    stores = open_sql_stores(
        f"sqlite:///{tracking.root / 'driftloop.db'}",
        default_artifact_root=(tracking.root / "artifacts").as_uri(),
    )
    quarter = ROWS // RECORDED
    start = int(time.time() * 1000) - (ROWS + 120) * 1000
    try:
        for part in range(RECORDED):
            after = 0.45 if part >= RECORDED // 2 else 0.05
            write_log(
                tracking,
                "drifting",
                before=after,
                after=after,
                rows=quarter,
                seed=part,
                start_ms=start + part * quarter * 1000,
            )
            monitor_deployment(
                tracking.client,
                "drifting",
                tracking.log_root,
                last_rows=1000,
                store=stores.monitoring,
            )
    finally:
        stores.close()
    return tracking


def _json(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def test_the_report_has_the_window_its_performance_and_the_stored_series(
    tracking: Tracking,
) -> None:
    done = _report(
        tracking,
        "--deployment",
        "drifting",
        "--window",
        "1000",
        "-o",
        "drifting.html",
        "--json",
        "drifting.json",
        "--history",
        "7d",
    )
    assert done.returncode == 0, done.stderr
    assert "verdict: no_drift" in done.stdout
    assert "live performance on 1000 labelled rows: accuracy" in done.stdout
    assert f"({RECORDED} recorded runs)" in done.stdout
    assert "wrote drifting.html" in done.stdout
    report = _json(tracking.root.parent / "drifting.json")
    assert report["title"] == "drifting: champion v1"
    assert report["summary"]["current_rows"] == 1000
    metrics = {row["metric"]: row for row in report["performance"]}
    assert set(metrics) == {"accuracy", "balanced_accuracy", "f1", "precision", "recall"}
    assert metrics["accuracy"]["reference"] is not None  # the training run's accuracy
    series = report["series"]
    assert len(series["drifted share"]) == RECORDED
    scores = [name for name in series if name.startswith("drift score: ")]
    assert len(scores) == 5  # the top five of f0..f3 and the prediction
    assert "drift score: prediction" in scores
    assert all(len(series[name]) == RECORDED for name in scores)
    accuracy = [point["value"] for point in series["accuracy"]]
    assert len(accuracy) == RECORDED
    assert accuracy[0] > 0.9  # 5% wrong
    assert accuracy[-1] < 0.65  # then 45% wrong
    changes = [point["value"] for point in series["change points in the error stream"]]
    assert len(changes) == RECORDED
    assert changes[2] >= 1  # the window that straddles the jump
    ends = [point["window_end"] for point in series["drifted share"]]
    assert ends == sorted(ends)
    assert len(set(ends)) == RECORDED
    html = (tracking.root.parent / "drifting.html").read_text(encoding="utf-8")
    assert "drifted share" in html
    assert "change points in the error stream" in html
    assert _runs(tracking) == RECORDED  # nothing recorded without --record


def test_record_adds_this_run_to_the_series(tracking: Tracking) -> None:
    done = _report(
        tracking,
        "--deployment",
        "drifting",
        "--since",
        "1h",
        "--record",
        "--json",
        "recorded.json",
    )
    assert done.returncode == 0, done.stderr
    assert "recorded monitoring run" in done.stdout
    assert f"error stream (adwin over {ROWS} labelled rows): " in done.stdout
    assert "no change point" not in done.stdout
    report = _json(tracking.root.parent / "recorded.json")
    assert len(report["series"]["drifted share"]) == RECORDED + 1
    run_id = done.stdout.split("recorded monitoring run ")[1].split()[0]
    this_run = [
        point["value"]
        for point in report["series"]["change points in the error stream"]
        if point["run_id"] == run_id
    ]
    assert this_run[0] >= 1
    assert _runs(tracking) == RECORDED + 1
    assert not (tracking.root.parent / "drift-report.html").exists()  # only --json was asked


def test_a_short_history_keeps_only_recent_runs(tracking: Tracking) -> None:
    done = _report(
        tracking,
        "--deployment",
        "drifting",
        "--window",
        "50",
        "--history",
        "1s",
        "--json",
        "h.json",
    )
    assert done.returncode == 0, done.stderr
    # Every recorded window ended at least a minute ago.
    assert _json(tracking.root.parent / "h.json")["series"] == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--deployment", "drifting", "--window", "5", "--reference", "r.parquet"], "--reference"),
        (["--deployment", "drifting", "--window", "5", "--current", "c.csv"], "--current"),
        (
            ["--deployment", "drifting", "--window", "5", "--prediction-column", "p"],
            "--prediction-column",
        ),
        (["--deployment", "drifting"], "--window"),
        (["--deployment", "drifting", "--window", "5", "--since", "1h"], "--window"),
        (["--deployment", "drifting", "--window", "5", "--history", "a week"], "--history"),
        (["--reference", "r.parquet", "--current", "c.csv", "--window", "5"], "--window"),
        (["--reference", "r.parquet", "--current", "c.csv", "--record"], "--record"),
        (["--reference", "r.parquet", "--current", "c.csv", "--detector", "kswin"], "--detector"),
        (["--current", "c.csv"], "--reference"),
        (["--reference", "r.parquet"], "--current"),
        ([], "--reference"),
    ],
)
def test_the_modes_do_not_mix(tracking: Tracking, args: list[str], message: str) -> None:
    done = _report(tracking, *args)
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_deployment_is_a_one_line_error(tracking: Tracking) -> None:
    done = _report(tracking, "--deployment", "nope", "--window", "5")
    assert done.returncode == 1
    assert "nope" in done.stderr
    assert "Traceback" not in done.stderr
