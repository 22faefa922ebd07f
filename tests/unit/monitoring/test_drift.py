"""Drift verdicts on constructed shifts, and no false alarms on same-distribution windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from driftloop.entities import MonitorVerdict
from driftloop.errors import InvalidParameterError
from driftloop.monitoring.drift import DriftMethod, DriftOptions, compute_drift
from driftloop.monitoring.profile import DatasetProfile, build_profile


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


def test_false_alarm_rate_of_tests_is_at_most_their_level(profile: object) -> None:
    """Small windows are judged by p < 0.05 tests: at most ~5% of columns flag by chance."""
    windows, flagged, columns, dataset_alarms = 200, 0, 0, 0
    for seed in range(1000, 1000 + windows):
        result = compute_drift(profile, _data(500, seed))  # type: ignore[arg-type]
        assert {c.method for c in result.columns} <= {DriftMethod.KS, DriftMethod.CHI_SQUARE}
        flagged += len(result.drifted_columns)
        columns += len(result.columns)
        dataset_alarms += result.verdict is MonitorVerdict.DRIFT
    level, sigma = 0.05, (0.05 * 0.95 / columns) ** 0.5
    assert flagged / columns <= level + 3 * sigma
    assert dataset_alarms / windows <= 0.03


def test_distances_do_not_alarm_on_large_same_distribution_windows(profile: object) -> None:
    for seed in range(2000, 2020):
        result = compute_drift(profile, _data(50_000, seed))  # type: ignore[arg-type]
        assert result.drifted_columns == ()
        assert max(c.score for c in result.columns) < 0.5 * 0.1


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


@pytest.mark.parametrize(
    "draw",
    [
        lambda rng, n: rng.uniform(-5, 5, n),
        lambda rng, n: rng.poisson(20.0, n).astype(float),
        lambda rng, n: rng.lognormal(0.0, 0.5, n),
    ],
)
def test_large_same_distribution_windows_score_near_zero(draw: object) -> None:
    # The reference side is the profile's exact quantile function, not its 1,000-value
    # sample: with the sample, these scored up to 0.09 against a 0.1 threshold.
    reference = {"v": draw(np.random.default_rng(1), 200_000)}  # type: ignore[operator]
    window = {"v": draw(np.random.default_rng(2), 200_000)}  # type: ignore[operator]
    (column,) = compute_drift(build_profile(reference), window).columns
    assert column.method is DriftMethod.WASSERSTEIN
    assert column.score < 0.02


def test_wasserstein_leaves_infinities_out_and_counts_them_in_the_end_bins() -> None:
    rng = np.random.default_rng(5)
    profile = build_profile({"v": rng.normal(0, 1, 50_000)})
    window = rng.normal(0, 1, 50_000)
    window[:100], window[100:150] = np.inf, -np.inf
    (column,) = compute_drift(profile, {"v": window}).columns
    assert column.method is DriftMethod.WASSERSTEIN
    assert column.score < 0.05
    sketch = profile.columns[0].numeric
    assert sketch is not None
    low, high = sketch.bin_edges[0], sketch.bin_edges[-1]
    assert column.distribution.current[0] == pytest.approx(np.mean(window < low))
    assert column.distribution.current[-1] == pytest.approx(np.mean(window > high))
    assert column.distribution.current[0] >= 50 / 50_000


def test_a_profile_without_quantiles_falls_back_to_its_sample() -> None:
    rng = np.random.default_rng(6)
    data = build_profile({"v": rng.normal(0, 1, 20_000)}).to_dict()
    del data["columns"][0]["numeric"]["quantiles"]
    old = DatasetProfile.from_dict(data)
    same, moved = rng.normal(0, 1, 20_000), rng.normal(1, 1, 20_000)
    (kept,) = compute_drift(old, {"v": same}).columns
    (shifted,) = compute_drift(old, {"v": moved}).columns
    assert kept.method is shifted.method is DriftMethod.WASSERSTEIN
    assert not kept.drifted
    assert shifted.drifted
    assert shifted.score == pytest.approx(1.0, abs=0.1)


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
