"""Drift verdicts on constructed shifts, and no false alarms on same-distribution windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from driftloop.entities import MonitorVerdict
from driftloop.errors import InvalidParameterError
from driftloop.monitoring.drift import DriftMethod, DriftOptions, compute_drift
from driftloop.monitoring.profile import build_profile


def _data(rows: int, seed: int, *, shift: float = 0.0, scale: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(shift, scale, rows),
            "y": rng.exponential(2.0, rows),
            "z": rng.uniform(-1, 1, rows),
            "city": rng.choice(["paris", "lyon", "nice"], rows, p=[0.5, 0.3, 0.2]),
            "flag": rng.random(rows) < 0.3,
        }
    )


@pytest.fixture(scope="module")
def profile() -> object:
    reference = _data(20_000, seed=1)
    return build_profile(reference, predictions=(reference["x"] > 0).astype(int), bins=20)


@pytest.mark.parametrize("rows", [500, 50_000])
@pytest.mark.parametrize("seed", [11, 12, 13, 14, 15])
def test_same_distribution_does_not_drift(profile: object, rows: int, seed: int) -> None:
    result = compute_drift(profile, _data(rows, seed))  # type: ignore[arg-type]
    assert result.verdict is MonitorVerdict.NO_DRIFT
    assert len(result.drifted_columns) <= 1  # p < 0.05 tests may fire once in a while
    assert result.missing_rate_changes == ()


@pytest.mark.parametrize("rows", [500, 50_000])
def test_mean_shift_and_variance_change_drift(profile: object, rows: int) -> None:
    shifted = _data(rows, 21, shift=0.6)
    result = compute_drift(profile, shifted)  # type: ignore[arg-type]
    by_name = {c.column: c for c in result.columns}
    assert by_name["x"].drifted
    assert by_name["x"].method is (DriftMethod.KS if rows <= 1000 else DriftMethod.WASSERSTEIN)
    assert not by_name["z"].drifted
    wider = _data(rows, 22, scale=2.0)
    assert {c.column: c for c in compute_drift(profile, wider).columns}["x"].drifted  # type: ignore[arg-type]


@pytest.mark.parametrize("rows", [500, 50_000])
def test_new_category_is_drift_and_listed(profile: object, rows: int) -> None:
    window = _data(rows, 31)
    window.loc[window.index[: rows // 4], "city"] = "marseille"
    city = {c.column: c for c in compute_drift(profile, window).columns}["city"]  # type: ignore[arg-type]
    assert city.drifted
    assert city.unseen_categories == ("marseille",)
    assert city.unseen_share == pytest.approx(0.25, abs=0.01)
    assert "(unseen)" in city.distribution.labels


def test_missing_rate_jump_is_reported(profile: object) -> None:
    window = _data(5_000, 41)
    window.loc[window.index[:1_000], "y"] = np.nan
    result = compute_drift(profile, window)  # type: ignore[arg-type]
    y = {c.column: c for c in result.columns}["y"]
    assert result.missing_rate_changes == ("y",)
    assert y.current_missing_rate == pytest.approx(0.2)
    assert y.missing_p_value is not None
    assert y.missing_p_value < 1e-6
    assert not y.drifted  # the values that are there did not move


def test_a_few_important_columns_drive_a_weighted_verdict(profile: object) -> None:
    window = _data(20_000, 51, shift=1.0)  # only x moves: 1 of 5 columns
    plain = compute_drift(profile, window)  # type: ignore[arg-type]
    assert plain.drifted_columns == ("x",)
    assert plain.verdict is MonitorVerdict.NO_DRIFT  # 20% < 30%
    weighted = compute_drift(
        profile,  # type: ignore[arg-type]
        window,
        options=DriftOptions(importances={"x": 0.6, "y": 0.1, "z": 0.1, "city": 0.1, "flag": 0.1}),
    )
    assert weighted.weighted
    assert weighted.drifted_share == pytest.approx(0.6)
    assert weighted.verdict is MonitorVerdict.DRIFT


def test_prediction_drift(profile: object) -> None:
    window = _data(10_000, 61, shift=1.0)
    result = compute_drift(profile, window, predictions=(window["x"] > 0).astype(int))  # type: ignore[arg-type]
    assert result.prediction is not None
    assert result.prediction.drifted


def test_overrides_and_fdr(profile: object) -> None:
    window = _data(800, 71, shift=0.3)
    options = DriftOptions(
        methods={"x": "psi", "city": DriftMethod.LINF},
        thresholds={"x": 0.05},
        fdr=True,
    )
    result = compute_drift(profile, window, options=options)  # type: ignore[arg-type]
    by_name = {c.column: c for c in result.columns}
    assert by_name["x"].method is DriftMethod.PSI
    assert by_name["x"].threshold == 0.05
    assert by_name["city"].method is DriftMethod.LINF
    raw = compute_drift(profile, window)  # type: ignore[arg-type]
    for name in ("y", "z"):
        adjusted, plain = by_name[name].p_value, {c.column: c for c in raw.columns}[name].p_value
        assert adjusted is not None
        assert plain is not None
        assert adjusted >= plain


def test_empty_window_is_insufficient(profile: object) -> None:
    result = compute_drift(profile, _data(0, 1))  # type: ignore[arg-type]
    assert result.verdict is MonitorVerdict.INSUFFICIENT_DATA
    assert all(not c.computable for c in result.columns)


def test_absent_columns_are_listed(profile: object) -> None:
    result = compute_drift(profile, _data(300, 2).drop(columns=["z"]))  # type: ignore[arg-type]
    assert result.missing_columns == ("z",)
    assert "z" not in {c.column for c in result.columns}


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (DriftOptions(methods={"x": "t-test"}), "methods.x"),
        (DriftOptions(methods={"nope": "ks"}), "methods.nope"),
        (DriftOptions(thresholds={"x": -1.0}), "thresholds.x"),
        (DriftOptions(dataset_share=0.0), "dataset_share"),
        (DriftOptions(importances={"x": -2.0}), "importances.x"),
    ],
)
def test_bad_options_name_the_field(profile: object, options: DriftOptions, field: str) -> None:
    with pytest.raises(InvalidParameterError) as raised:
        compute_drift(profile, _data(10, 3), options=options)  # type: ignore[arg-type]
    assert raised.value.field == field
