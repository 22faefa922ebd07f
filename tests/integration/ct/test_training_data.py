"""Assembling training data from a real inference log (real writer) and user loaders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.integration.ct.ctlog import SECOND, T0, add_label, features, write_rows
from tests.integration.ct.training import FEATURES, LOADER_CALLS, crm_rows, new_concept

from driftloop.ct import NotEnoughDataError, Policy, TrainingData, Window, assemble_training_data
from driftloop.errors import InvalidParameterError

MINUTES_10 = 600 * SECOND
LOADER = "tests.integration.ct.training:load_crm_rows"


def policy(**data: Any) -> Policy:
    return Policy.model_validate(
        {
            "deployment": "churn",
            "training": {"entry_point": "tests.integration.ct.training:train_logistic"},
            "gates": {"metric": "accuracy"},
            "data": {"window": {"duration": "10m"}, "min_rows": 40, **data},
        }
    )


def assemble(root: Path, chosen: Policy, name: str = "churn", now_ms: int = T0) -> TrainingData:
    return assemble_training_data(chosen, inference_log_uri=str(root), log_name=name, now_ms=now_ms)


def all_rows(data: TrainingData) -> pd.DataFrame:
    return pd.concat([data.features, data.holdout_features], ignore_index=True)


def all_labels(data: TrainingData) -> pd.Series:
    return pd.concat([data.labels, data.holdout_labels], ignore_index=True)


@pytest.fixture
def busy_log(tmp_path: Path) -> tuple[Path, list[str]]:
    """400 rows in the last 400 s (shadow, challenger and unlabelled ones among them), 20
    older rows of which only the last is in a 10 minute window, 5 rows after ``T0``."""
    root = tmp_path / "log"
    recent = features(400, first_seq=0, seed=1)
    seqs = recent["seq"].to_numpy()
    routes = np.where(seqs % 10 == 3, "shadow", np.where(seqs % 10 == 7, "challenger", "champion"))
    logged = write_rows(str(root), "churn", recent, route=list(routes), labelled=list(seqs < 380))
    write_rows(
        str(root), "churn", features(20, first_seq=-100, seed=2), end_ms=T0 - MINUTES_10 + SECOND
    )
    write_rows(str(root), "churn", features(5, first_seq=900, seed=3), end_ms=T0 + 10 * SECOND)
    return root, logged.request_ids


def test_the_window_holds_labelled_answered_rows_in_time_order(
    busy_log: tuple[Path, list[str]],
) -> None:
    root, _ = busy_log
    data = assemble(root, policy(holdout={"fraction": 0.25}))
    expected = [-81, *(seq for seq in range(380) if seq % 10 != 3)]  # -81 is at the start
    seqs = all_rows(data)["seq"].tolist()
    assert seqs == expected  # no shadow, unlabelled, older or future rows; oldest first
    assert list(data.features.columns) == FEATURES
    assert len(data.holdout_features) == round(len(expected) * 0.25) == 86
    assert data.holdout_features["seq"].min() > data.features["seq"].max()
    assert all_labels(data).tolist() == new_concept(all_rows(data)).tolist()
    assert data.labels.name == "label"
    assert data.labels.dtype == np.int64
    assert data.window_start_ms == T0 - MINUTES_10
    assert data.window_end_ms == T0
    assert data.log_rows == len(expected)
    assert data.loader_rows == 0
    assert data.features.index.tolist() == list(range(len(data.features)))
    assert data.holdout_features.index[0] == 0


def test_the_digest_is_stable_and_changes_when_a_label_arrives(
    busy_log: tuple[Path, list[str]],
) -> None:
    root, request_ids = busy_log
    first = assemble(root, policy())
    assert first.digest.startswith("sha256:")
    assert assemble(root, policy()).digest == first.digest
    add_label(str(root), "churn", request_ids[385], 1, at_ms=T0 - SECOND)
    later = assemble(root, policy())
    assert len(all_rows(later)) == len(all_rows(first)) + 1
    assert later.digest != first.digest


def test_a_rows_window_reads_back_until_it_has_enough_labelled_rows(tmp_path: Path) -> None:
    frame = features(300, first_seq=0, seed=4)
    logged = write_rows(str(tmp_path), "churn", frame, labelled=[seq < 150 for seq in range(300)])
    chosen = policy(window={"rows": 120}, holdout={"rows": 20}, min_rows=100)
    data = assemble(tmp_path, chosen)
    assert all_rows(data)["seq"].tolist() == list(range(30, 150))  # newest 150 have no label
    assert len(data.holdout_features) == 20
    assert data.window_start_ms == logged.stamps[30]
    assert data.window_end_ms == T0


def test_too_few_labelled_rows_raise_not_enough_data(busy_log: tuple[Path, list[str]]) -> None:
    root, _ = busy_log
    with pytest.raises(NotEnoughDataError, match=r"holds 343 labelled rows; data\.min_rows is 500"):
        assemble(root, policy(min_rows=500))
    with pytest.raises(NotEnoughDataError, match="holds 0 labelled rows") as caught:
        assemble(root, policy(), name="never-served")
    error = caught.value
    assert error.field == "data.min_rows"
    assert error.code == "NOT_ENOUGH_DATA"
    assert error.http_status == 503
    assert (error.rows, error.min_rows) == (0, 40)


def test_a_loader_is_called_with_the_window_and_its_rows_ordered_and_filtered(
    tmp_path: Path,
) -> None:
    data = assemble(tmp_path, policy(source="loader", loader=LOADER))
    assert LOADER_CALLS == [Window("churn", T0 - MINUTES_10, T0, None)]  # noqa: SIM300
    rows = all_rows(data)
    expected = [10_000 + p for p in range(10, 60) if p % 10 != 0]  # in window, labelled
    assert rows["seq"].tolist() == expected
    assert list(rows.columns) == FEATURES  # no label, no timestamp
    assert all_labels(data).tolist() == new_concept(rows).tolist()
    assert data.labels.dtype == np.int64  # the loader's nullable Int64, now complete
    assert (data.log_rows, data.loader_rows) == (0, 45)


def test_a_loader_without_timestamps_keeps_its_own_order(tmp_path: Path) -> None:
    data = assemble(
        tmp_path, policy(source="loader", loader="tests.integration.ct.training:load_untimed_rows")
    )
    untimed = crm_rows(Window("churn", None, T0, None))
    kept = untimed[untimed["label"].notna()]
    assert all_rows(data)["seq"].tolist() == kept["seq"].tolist()  # newest first, as given
    assert data.window_start_ms == T0 - MINUTES_10


def test_both_sources_are_merged_in_time_order(tmp_path: Path) -> None:
    write_rows(str(tmp_path), "churn", features(200, first_seq=0, seed=5))
    data = assemble(tmp_path, policy(source="both", loader=LOADER, holdout={"rows": 30}))
    log_rows = [(T0 - (200 - seq) * SECOND, 0, seq) for seq in range(200)]
    loader_rows = [
        (T0 - SECOND - 5 * SECOND * (59 - p), 1, 10_000 + p) for p in range(10, 60) if p % 10 != 0
    ]
    expected = [seq for _, _, seq in sorted(log_rows + loader_rows)]
    assert all_rows(data)["seq"].tolist() == expected
    assert (data.log_rows, data.loader_rows) == (200, 45)
    assert data.holdout_features["seq"].tolist() == expected[-30:]
    assert data.labels.dtype == np.int64


@pytest.mark.parametrize(
    ("loader", "message"),
    [
        ("load_untimed_rows", "must return a 'timestamp' column when data.source is 'both'"),
        ("load_other_columns", r"differ from the inference log's: missing \['f2'\], extra"),
        ("load_a_list", "returned a list, not a DataFrame"),
        ("no_such_loader", "has no attribute 'no_such_loader'"),
    ],
)
def test_bad_loaders_are_refused_naming_the_field(
    tmp_path: Path, loader: str, message: str
) -> None:
    write_rows(str(tmp_path), "churn", features(50, first_seq=0, seed=6))
    chosen = policy(source="both", loader=f"tests.integration.ct.training:{loader}")
    with pytest.raises(InvalidParameterError, match=message) as caught:
        assemble(tmp_path, chosen)
    assert caught.value.field == "data.loader"


def test_a_loader_module_that_does_not_import_is_refused(tmp_path: Path) -> None:
    chosen = policy(source="loader", loader="tests.integration.ct.missing_module:load")
    with pytest.raises(
        InvalidParameterError, match=r"cannot import 'tests\.integration\.ct\.missing"
    ):
        assemble(tmp_path, chosen)


def test_the_window_starts_at_the_change_point(busy_log: tuple[Path, list[str]]) -> None:
    root, _ = busy_log
    change_ms = T0 - 200 * SECOND  # seq 200 was scored then
    chosen = policy()
    data = assemble_training_data(
        chosen, inference_log_uri=str(root), log_name="churn", now_ms=T0, change_ms=change_ms
    )
    assert all_rows(data)["seq"].tolist() == [s for s in range(200, 380) if s % 10 != 3]
    assert data.window_start_ms == change_ms
    assert data.window_end_ms == T0
    assert data.digest != assemble(root, chosen).digest


def test_too_few_rows_since_the_change_extend_the_window_back_to_min_rows(
    busy_log: tuple[Path, list[str]],
) -> None:
    root, _ = busy_log
    data = assemble_training_data(
        policy(),
        inference_log_uri=str(root),
        log_name="churn",
        now_ms=T0,
        change_ms=T0 - 30 * SECOND,  # seq 370: 9 labelled answered rows since
    )
    expected = [s for s in range(380) if s % 10 != 3][-40:]
    assert all_rows(data)["seq"].tolist() == expected
    assert data.window_start_ms == T0 - (400 - expected[0]) * SECOND


def test_since_change_false_keeps_the_whole_window(busy_log: tuple[Path, list[str]]) -> None:
    root, _ = busy_log
    chosen = policy(window={"duration": "10m", "since_change": False})
    data = assemble_training_data(
        chosen,
        inference_log_uri=str(root),
        log_name="churn",
        now_ms=T0,
        change_ms=T0 - 200 * SECOND,
    )
    assert data.digest == assemble(root, chosen).digest
    assert data.window_start_ms == T0 - MINUTES_10
