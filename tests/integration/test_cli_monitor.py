"""``driftloop monitor run`` after the quickstart: the served window does not drift, a
shifted window does, and each run is stored as a series."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import driftloop
from driftloop.monitoring.inference_log import InferenceLogWriter, ScoredRequest
from driftloop.monitoring.request_ids import new_request_id
from driftloop.store.sql import open_sql_stores


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "driftloop.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


def _monitor(tracking: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _cli(tracking.parent, "--tracking-uri", str(tracking), "monitor", "run", *args)


@pytest.fixture(scope="module")
def tracking(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("monitor")
    tracking = root / "tracking"
    done = _cli(root, "--tracking-uri", str(tracking), "quickstart")
    assert done.returncode == 0, done.stderr
    return tracking


def test_the_quickstart_window_does_not_drift_and_is_stored(tracking: Path) -> None:
    done = _monitor(
        tracking,
        "quickstart-prod",
        "--window",
        "1000",
    )
    assert done.returncode == 0, done.stderr
    assert "verdict: no_drift" in done.stdout
    assert "live performance on 200 labelled rows" in done.stdout
    assert "recorded monitoring run" in done.stdout
    stores = open_sql_stores(
        f"sqlite:///{tracking / 'driftloop.db'}",
        default_artifact_root=(tracking / "artifacts").as_uri(),
    )
    try:
        series = stores.monitoring.get_series("quickstart-prod", "__performance__", "accuracy")
        runs = stores.monitoring.list_monitor_runs("quickstart-prod").items
    finally:
        stores.close()
    assert len(series) == 1
    assert 0.5 < series[0].value <= 1.0
    assert runs[0].rows == 200
    assert runs[0].verdict.value == "no_drift"


def test_a_shifted_window_drifts(tracking: Path) -> None:
    client = driftloop.Client(str(tracking))
    champion = client.get_version_by_alias("quickstart-classifier", "champion")
    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.normal(size=(600, 20)), columns=[f"f{i}" for i in range(20)])
    for name in ("f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"):
        features[name] = features[name] * 3.0 + 4.0  # far from anything the model saw
    writer = InferenceLogWriter(
        str(tracking / "artifacts" / "inference-log"), "quickstart-prod", flush_seconds=60
    )
    writer.start()
    now = int(time.time() * 1000)
    for row in range(len(features)):
        writer.submit(
            ScoredRequest(
                request_id=new_request_id(),
                timestamp_ms=now + row,
                model_name="quickstart-classifier",
                model_version=champion.version,
                route="champion",
                features=features.iloc[[row]],
                predictions=[1],
                probabilities=None,
                latency_ms=1.0,
            )
        )
    writer.close()
    done = _monitor(
        tracking,
        "quickstart-prod",
        "--window",
        "600",
        "--no-store",
    )
    assert done.returncode == 0, done.stderr
    assert "verdict: drift" in done.stdout
    for name in ("f0", "f3", "f7"):
        assert any(
            line.split()[1:2] == [name] and "DRIFT" in line for line in done.stdout.splitlines()
        )
    assert "recorded monitoring run" not in done.stdout


def test_bad_windows_are_refused(tracking: Path) -> None:
    both = _monitor(
        tracking,
        "quickstart-prod",
        "--window",
        "5",
        "--since",
        "1h",
    )
    assert both.returncode == 1
    assert "--window" in both.stderr
    bad = _monitor(
        tracking,
        "quickstart-prod",
        "--since",
        "yesterday",
    )
    assert bad.returncode == 1
    assert "duration" in bad.stderr
    unknown = _monitor(tracking, "nope", "--window", "5")
    assert unknown.returncode == 1
    assert "Traceback" not in unknown.stderr


def test_watch_runs_on_a_schedule_and_records_each_run(tracking: Path) -> None:
    stores = open_sql_stores(
        f"sqlite:///{tracking / 'driftloop.db'}",
        default_artifact_root=(tracking / "artifacts").as_uri(),
    )
    try:
        before = len(stores.monitoring.list_monitor_runs("quickstart-prod").items)
        started = time.monotonic()
        done = _cli(
            tracking.parent,
            "--tracking-uri",
            str(tracking),
            "monitor",
            "watch",
            "quickstart-prod",
            "--since",
            "1d",
            "--every",
            "2s",
            "--times",
            "3",
        )
        elapsed = time.monotonic() - started
        after = len(stores.monitoring.list_monitor_runs("quickstart-prod").items)
    finally:
        stores.close()
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if " rows " in line]
    assert len(lines) == 3
    assert after == before + 3
    assert elapsed >= 4.0  # two waits of 2 s between three runs
    bad = _cli(
        tracking.parent,
        "--tracking-uri",
        str(tracking),
        "monitor",
        "watch",
        "quickstart-prod",
        "--window",
        "5",
        "--every",
        "0s",
    )
    assert bad.returncode == 1
    assert "--every" in bad.stderr
