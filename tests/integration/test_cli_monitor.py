"""``driftloop monitor run`` after the quickstart (``--fast``): the quickstart recorded one
monitor run per replay batch, a new run is stored as part of the series, a shifted window
drifts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.integration.quickstart_run import QuickstartRun

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
def tracking(tmp_path_factory: pytest.TempPathFactory, quickstart_run: QuickstartRun) -> Path:
    """A copy of the session's quickstart folder: these tests record runs and write rows."""
    tracking = tmp_path_factory.mktemp("monitor") / "tracking"
    shutil.copytree(quickstart_run.tracking, tracking)
    return tracking


def test_a_monitor_run_after_the_quickstart_is_stored(tracking: Path) -> None:
    stores = open_sql_stores(
        f"sqlite:///{tracking / 'driftloop.db'}",
        default_artifact_root=(tracking / "artifacts").as_uri(),
    )
    try:
        before = stores.monitoring.list_monitor_runs("quickstart-prod", max_results=1000).items
        done = _monitor(tracking, "quickstart-prod", "--window", "500")
        after = stores.monitoring.list_monitor_runs("quickstart-prod", max_results=1000).items
        series = stores.monitoring.get_series("quickstart-prod", "__performance__", "accuracy")
    finally:
        stores.close()
    assert done.returncode == 0, done.stderr
    assert "live performance on 500 labelled rows" in done.stdout
    assert "recorded monitoring run" in done.stdout
    # The quickstart monitored each replay batch: no drift before the change, drift after.
    verdicts = [run.verdict.value for run in sorted(before, key=lambda run: run.window_end or 0)]
    assert verdicts[0] == "no_drift"
    assert "drift" in verdicts
    assert len(after) == len(before) + 1
    assert len(series) == len(after)
    assert all(0.0 <= point.value <= 1.0 for point in series)
    assert series[-1].value > 0.8  # the retrained champion answers the new concept


def test_a_shifted_window_drifts(tracking: Path) -> None:
    client = driftloop.Client(str(tracking))
    champion = client.get_version_by_alias("quickstart-classifier", "champion")
    rng = np.random.default_rng(0)
    columns = [f"x{i}" for i in range(8)]
    features = pd.DataFrame(rng.normal(size=(600, 8)) * 3.0 + 4.0, columns=columns)
    # far from anything the model saw (the stream's inputs lie around [0, 1])
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
    for name in ("x0", "x3", "x7"):
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
