"""The change point the controller finds in the inference log when no monitor run names one."""

from __future__ import annotations

from pathlib import Path

from tests.integration.monitoring.concept import JUMP, tracking_with_model, write_log

from driftloop.ct._controller_changes import champion_change_ms

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
