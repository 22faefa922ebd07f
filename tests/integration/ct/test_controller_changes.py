"""The change point the controller finds in the inference log when no monitor run names one."""

from __future__ import annotations

import time
from pathlib import Path

from tests.integration.monitoring.concept import JUMP, tracking_with_model, write_log

from driftloop.ct._controller_changes import champion_change_ms, champion_labelled

MAX_DELAY = 300
"""Rows after the jump within which ADWIN must have fired (it needs ~60)."""


def test_a_jump_in_the_champions_errors_is_found_after_the_last_training(
    tmp_path: Path,
) -> None:
    tracking = tracking_with_model(tmp_path, ("churn",))
    stamps = write_log(tracking, "churn", before=0.05, after=0.45)
    found = champion_change_ms(
        tracking.log_root, "churn", version=1, since_ms=stamps[0] - 1, end_ms=stamps[-1] + 1
    )
    assert found is not None
    assert stamps[JUMP] <= found <= stamps[JUMP + MAX_DELAY]
    # Another version's answers, or only rows after the jump, hold no change.
    other = champion_change_ms(
        tracking.log_root, "churn", version=2, since_ms=stamps[0] - 1, end_ms=stamps[-1] + 1
    )
    assert other is None
    after = champion_change_ms(
        tracking.log_root,
        "churn",
        version=1,
        since_ms=stamps[JUMP + MAX_DELAY],
        end_ms=stamps[-1] + 1,
    )
    assert after is None


def test_the_newest_labelled_answers_are_found_without_reading_the_whole_window(
    tmp_path: Path,
) -> None:
    """``champion_labelled(newest=N)`` reads more of the log until it has N answers of the
    version (here the newest 2,500 rows are another version's) and returns the same newest
    answers as a read of the whole window."""
    tracking = tracking_with_model(tmp_path, ("churn",))
    start = int(time.time() * 1000) - 10_000 * 1000
    write_log(tracking, "churn", before=0.1, after=0.1, rows=600, start_ms=start)
    write_log(
        tracking,
        "churn",
        before=0.1,
        after=0.1,
        rows=2500,
        start_ms=start + 600 * 1000,
        model_version=2,
    )
    whole = champion_labelled(tracking.log_root, "churn", version=1, since_ms=start - 1)
    newest = champion_labelled(
        tracking.log_root, "churn", version=1, since_ms=start - 1, newest=100
    )
    assert whole is not None
    assert newest is not None
    assert len(whole.labels) == 600
    assert len(newest.labels) >= 100
    assert newest.timestamps[-100:] == whole.timestamps[-100:]
    assert newest.labels[-100:] == whole.labels[-100:]
    assert newest.predictions[-100:] == whole.predictions[-100:]
