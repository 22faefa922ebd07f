"""``driftloop monitor run --detector``: change points of the error stream are printed (and
stored); without river the run still prints its table and says how to install it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from tests.integration.monitoring.concept import (
    JUMP,
    ROWS,
    Tracking,
    tracking_with_model,
    write_log,
)

from driftloop.entities import PERFORMANCE_COLUMN
from driftloop.store.sql import open_sql_stores

_CHANGE_LINE = re.compile(r"change at labelled row (\d+) at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC")


def _run(
    tracking: Tracking, *args: str, block_river: bool = False
) -> subprocess.CompletedProcess[str]:
    argv = ["driftloop", "--tracking-uri", str(tracking.root), "monitor", "run", *args]
    script = (
        ("import sys; sys.modules['river'] = None\n" if block_river else "import sys\n")
        + "from driftloop.cli.main import main\n"
        + f"sys.argv = {argv!r}\n"
        + "main()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=tracking.root.parent,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.fixture(scope="module")
def tracking(tmp_path_factory: pytest.TempPathFactory) -> Tracking:
    tracking = tracking_with_model(tmp_path_factory.mktemp("cli-changes"), ("drifting", "steady"))
    write_log(tracking, "drifting", before=0.05, after=0.45)
    write_log(tracking, "steady", before=0.1, after=0.1, seed=1)
    return tracking


def test_the_change_point_is_printed_and_recorded(tracking: Tracking) -> None:
    done = _run(tracking, "drifting", "--since", "1h")
    assert done.returncode == 0, done.stderr
    assert "verdict: no_drift" in done.stdout
    assert f"error stream (adwin over {ROWS} labelled rows): 1 change point" in done.stdout
    found = _CHANGE_LINE.search(done.stdout)
    assert found is not None, done.stdout
    assert JUMP <= int(found.group(1)) <= JUMP + 300
    assert "recorded monitoring run" in done.stdout
    stores = open_sql_stores(
        f"sqlite:///{tracking.root / 'driftloop.db'}",
        default_artifact_root=(tracking.root / "artifacts").as_uri(),
    )
    try:
        series = stores.monitoring.get_series("drifting", PERFORMANCE_COLUMN, "change_points")
        run = stores.monitoring.list_monitor_runs("drifting").items[0]
    finally:
        stores.close()
    assert [point.value for point in series] == [1.0]
    assert "last_change_ms" in run.details


def test_a_steady_deployment_prints_no_change_point(tracking: Tracking) -> None:
    done = _run(tracking, "steady", "--window", str(ROWS), "--detector", "kswin", "--no-store")
    assert done.returncode == 0, done.stderr
    assert f"error stream (kswin over {ROWS} labelled rows): no change point" in done.stdout
    assert _CHANGE_LINE.search(done.stdout) is None


def test_detector_none_turns_detection_off(tracking: Tracking) -> None:
    done = _run(tracking, "drifting", "--window", str(ROWS), "--detector", "none", "--no-store")
    assert done.returncode == 0, done.stderr
    assert "live performance on 2000 labelled rows" in done.stdout
    assert "error stream" not in done.stdout
    bad = _run(tracking, "drifting", "--window", "10", "--detector", "cusum")
    assert bad.returncode == 2
    assert "'cusum' is not one of 'adwin', 'page_hinkley', 'kswin', 'none'" in bad.stderr


def test_without_river_the_run_prints_its_table_and_a_note(tracking: Tracking) -> None:
    done = _run(tracking, "drifting", "--window", str(ROWS), "--no-store", block_river=True)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "verdict: no_drift" in done.stdout
    assert "live performance on 2000 labelled rows" in done.stdout
    notes = [line for line in done.stdout.splitlines() if "change detection skipped" in line]
    expected = (
        "change detection skipped: 'river' is not installed; install it with: "
        "pip install 'driftloop[monitoring]'"
    )
    assert notes == [expected]
