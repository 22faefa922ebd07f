"""Offline gates: metric with margin and direction, slices, data validation, latency."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

import driftloop
from driftloop.ct import (
    GateReport,
    GatesSpec,
    UnknownMetricError,
    ValidationLimits,
    evaluate_gates,
    validate_data,
)
from driftloop.errors import InvalidParameterError
from driftloop.monitoring.profile import build_profile

ROWS = 100


def holdout(seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """100 rows: ``id`` 0..99, ``x`` normal, ``region`` eu (ids < 50) / us; label = x > 0."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=ROWS)
    frame = pd.DataFrame(
        {
            "id": np.arange(ROWS),
            "x": x,
            "region": np.where(np.arange(ROWS) < 50, "eu", "us"),
        }
    )
    return frame, pd.Series((x > 0).astype(int), name="label")


class RuleModel:
    """The true rule (label = x > 0), except on the rows whose id is in ``wrong``."""

    def __init__(self, wrong: set[int] | range) -> None:
        self.wrong = set(wrong)

    def predict(self, data: pd.DataFrame) -> np.ndarray:
        truth = (data["x"].to_numpy() > 0).astype(int)
        flip = data["id"].isin(self.wrong).to_numpy()
        return np.where(flip, 1 - truth, truth)


class ShiftModel:
    """A regressor predicting ``2 x + shift`` (labels are ``2 x``, so its RMSE is |shift|)."""

    def __init__(self, shift: float) -> None:
        self.shift = shift

    def predict(self, data: pd.DataFrame) -> np.ndarray:
        return 2.0 * data["x"].to_numpy() + self.shift


class SlowModel(RuleModel):
    """Right everywhere, but each call takes ``seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__(set())
        self.seconds = seconds

    def predict(self, data: pd.DataFrame) -> np.ndarray:
        time.sleep(self.seconds)
        return super().predict(data)


class BrokenModel:
    def predict(self, data: pd.DataFrame) -> np.ndarray:  # noqa: ARG002
        raise ValueError("feature 'x' has the wrong scale")


def spec(**fields: Any) -> GatesSpec:
    return GatesSpec.model_validate({"metric": "accuracy", "data_validation": False, **fields})


def gates(champion: Any, challenger: Any, gate_spec: GatesSpec, **options: Any) -> GateReport:
    features, labels = holdout()
    return evaluate_gates(
        gate_spec,
        champion=champion,
        challenger=challenger,
        holdout_features=features,
        holdout_labels=labels,
        profile=options.pop("profile", None),
        **options,
    )


# --- metric -------------------------------------------------------------------------------------


def test_a_better_challenger_passes_with_both_values_in_evidence() -> None:
    report = gates(RuleModel(range(20)), RuleModel(range(15)), spec())
    assert report.passed
    assert report.failed == ()
    metric = report.result("metric")
    assert metric.passed
    assert metric.evidence["champion"] == pytest.approx(0.80)
    assert metric.evidence["challenger"] == pytest.approx(0.85)
    assert metric.evidence["improvement"] == pytest.approx(0.05)
    assert metric.evidence["rows"] == ROWS
    assert "challenger 0.85 vs champion 0.8" in metric.message
    json.dumps(report.to_evidence(), allow_nan=False)  # JSON-ready, no NaN


def test_a_worse_challenger_fails_with_the_numbers_in_evidence() -> None:
    report = gates(RuleModel(range(15)), RuleModel(range(30)), spec())
    assert not report.passed
    assert report.failed == ("metric",)
    metric = report.result("metric")
    assert metric.evidence["champion"] == pytest.approx(0.85)
    assert metric.evidence["challenger"] == pytest.approx(0.70)
    assert metric.evidence["improvement"] == pytest.approx(-0.15)
    assert "improvement -0.15 fails the margin 0" in metric.message
    evidence = report.to_evidence()
    assert evidence["passed"] is False
    assert evidence["failed"] == ["metric"]
    assert evidence["gates"][0]["evidence"]["challenger"] == pytest.approx(0.70)


@pytest.mark.parametrize(
    ("margin", "passed"),
    [(0.0, True), (0.04, True), (0.05, True), (0.051, False), (0.1, False)],
)
def test_the_margin_is_respected_for_a_higher_is_better_metric(margin: float, passed: bool) -> None:
    report = gates(RuleModel(range(20)), RuleModel(range(15)), spec(margin=margin))
    assert report.result("metric").passed is passed
    assert report.result("metric").evidence["margin"] == margin


def test_a_tie_passes_only_without_a_margin() -> None:
    assert gates(RuleModel(range(10)), RuleModel(range(40, 50)), spec()).passed
    assert not gates(RuleModel(range(10)), RuleModel(range(40, 50)), spec(margin=0.01)).passed


@pytest.mark.parametrize(
    ("challenger_shift", "margin", "passed"),
    [
        (0.5, 0.0, True),  # rmse 1.0 -> 0.5
        (0.5, 0.5, True),  # exactly the margin
        (0.5, 0.6, False),  # better, but not by the margin
        (1.0, 0.0, True),  # a tie
        (1.5, 0.0, False),  # higher rmse is worse
        (-0.9, 0.1, True),  # the sign of the error does not matter: rmse 0.9
    ],
)
def test_a_lower_is_better_metric_compares_in_the_other_direction(
    challenger_shift: float, margin: float, passed: bool
) -> None:
    features, x_labels = holdout()
    labels = pd.Series(2.0 * features["x"], name="label")
    report = evaluate_gates(
        spec(metric="rmse", margin=margin),
        champion=ShiftModel(1.0),
        challenger=ShiftModel(challenger_shift),
        holdout_features=features,
        holdout_labels=labels,
        profile=None,
    )
    metric = report.result("metric")
    assert metric.evidence["higher_is_better"] is False
    assert metric.evidence["champion"] == pytest.approx(1.0)
    assert metric.evidence["challenger"] == pytest.approx(abs(challenger_shift))
    assert metric.evidence["improvement"] == pytest.approx(1.0 - abs(challenger_shift))
    assert metric.passed is passed
    assert len(x_labels) == ROWS


def test_an_explicit_direction_overrides_the_known_one() -> None:
    lower = spec(metric="mae")
    higher = spec(metric="mae", higher_is_better=True)
    features, _ = holdout()
    labels = pd.Series(2.0 * features["x"])
    common = {"holdout_features": features, "holdout_labels": labels, "profile": None}
    models = {"champion": ShiftModel(1.0), "challenger": ShiftModel(2.0)}
    assert not evaluate_gates(lower, **models, **common).passed
    assert evaluate_gates(higher, **models, **common).passed


@settings(max_examples=60, deadline=None)
@given(
    champion_wrong=st.integers(0, 50),
    challenger_wrong=st.integers(0, 50),
    margin=st.sampled_from([0.0, 0.01, 0.02, 0.05, 0.1]),
)
def test_the_metric_gate_passes_exactly_when_the_improvement_reaches_the_margin(
    champion_wrong: int, challenger_wrong: int, margin: float
) -> None:
    report = gates(
        RuleModel(range(champion_wrong)), RuleModel(range(challenger_wrong)), spec(margin=margin)
    )
    improvement = (champion_wrong - challenger_wrong) / ROWS
    assert report.passed is (improvement >= margin - 1e-12)


# --- slices -------------------------------------------------------------------------------------


def test_a_slice_where_the_challenger_is_worse_fails_only_that_slice() -> None:
    champion = RuleModel({*range(10), *range(50, 70)})  # eu 0.8, us 0.6, all 0.70
    challenger = RuleModel({*range(20), *range(50, 55)})  # eu 0.6, us 0.9, all 0.75
    report = gates(champion, challenger, spec(slices=["region"]))
    assert [result.name for result in report.results] == [
        "metric",
        "slice:region=eu",
        "slice:region=us",
    ]
    assert report.failed == ("slice:region=eu",)
    assert not report.passed
    json.dumps(report.to_evidence(), allow_nan=False)
    eu = report.result("slice:region=eu")
    assert eu.evidence["champion"] == pytest.approx(0.8)
    assert eu.evidence["challenger"] == pytest.approx(0.6)
    assert eu.evidence["rows"] == 50
    assert eu.evidence["value"] == "eu"
    us = report.result("slice:region=us")
    assert us.passed
    assert us.evidence["improvement"] == pytest.approx(0.3)
    assert report.result("metric").passed


def test_slices_of_numbers_are_named_by_value_and_small_ones_are_skipped() -> None:
    features, labels = holdout()
    features["bucket"] = np.where(features["id"] < 90, 1, 2)  # 90 rows and 10 rows
    report = evaluate_gates(
        spec(slices=["bucket"]),
        champion=RuleModel(range(20)),
        challenger=RuleModel(range(95, 100)),
        holdout_features=features,
        holdout_labels=labels,
        profile=None,
    )
    assert report.passed
    small = report.result("slice:bucket=2")
    assert small.evidence["skipped"] is True
    assert small.evidence["rows"] == 10
    assert small.message == "skipped: 10 rows, fewer than 20"
    assert report.result("slice:bucket=1").evidence["improvement"] == pytest.approx(20 / 90)


def test_a_slice_column_missing_from_the_holdout_fails() -> None:
    report = gates(RuleModel(range(20)), RuleModel(range(10)), spec(slices=["plan"]))
    assert report.failed == ("slice:plan",)
    assert "slice column 'plan' is not in the holdout" in report.result("slice:plan").message


# --- models that fail or are missing ------------------------------------------------------------


def test_a_challenger_that_cannot_score_the_holdout_fails_every_comparison() -> None:
    report = gates(RuleModel(range(20)), BrokenModel(), spec(slices=["region"]))
    assert report.failed == ("metric", "slice:region=eu", "slice:region=us")
    error = report.result("metric").evidence["challenger_error"]
    assert error == "ValueError: feature 'x' has the wrong scale"


def test_a_champion_that_cannot_score_leaves_nothing_to_beat() -> None:
    report = gates(BrokenModel(), RuleModel(range(20)), spec(margin=0.1))
    metric = report.result("metric")
    assert metric.passed
    assert metric.evidence["champion"] is None
    assert metric.evidence["champion_error"].startswith("ValueError")
    assert "nothing to beat: the champion could not score the holdout" in metric.message


def test_without_a_champion_the_challenger_passes() -> None:
    report = gates(None, RuleModel(range(20)), spec(margin=0.1))
    assert report.passed
    assert "there is no champion" in report.result("metric").message


def test_a_probability_metric_uses_loaded_models_and_fails_a_challenger_without_them(
    tmp_path: Path,
) -> None:
    features, labels = holdout()
    inputs = features[["x"]]
    fitted = LogisticRegression().fit(inputs, labels)
    driftloop.save_model(fitted, tmp_path / "model", training_data=inputs)
    champion = driftloop.load_model(tmp_path / "model")
    auc = spec(metric="roc_auc")
    report = evaluate_gates(
        auc,
        champion=champion,
        challenger=champion,
        holdout_features=inputs,
        holdout_labels=labels,
        profile=None,
    )
    assert report.passed
    assert report.result("metric").evidence["challenger"] == pytest.approx(1.0)
    without = evaluate_gates(
        auc,
        champion=champion,
        challenger=RuleModel(range(5)),  # no predict_proba
        holdout_features=features,
        holdout_labels=labels,
        profile=None,
    )
    assert without.failed == ("metric",)
    assert "roc_auc is undefined for the challenger" in without.result("metric").message


# --- data validation ----------------------------------------------------------------------------


def customers(rows: int = 400, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(20, 61, size=rows),
            "city": rng.choice(["Oslo", "Rome", "Lima"], size=rows),
            "spend": rng.gamma(2.0, 50.0, size=rows),
        }
    )


def test_data_like_the_reference_passes_validation() -> None:
    profile = build_profile(customers(seed=1))
    result = validate_data(customers(seed=2), profile)
    assert result.passed
    assert result.name == "data_validation"
    assert result.evidence["problems"] == []
    assert result.evidence["columns_checked"] == 3


def test_a_missing_column_fails_validation() -> None:
    profile = build_profile(customers())
    result = validate_data(customers(seed=2).drop(columns=["city"]), profile)
    assert not result.passed
    assert result.evidence["problems"] == [{"column": "city", "check": "missing_column"}]
    assert result.message == "column 'city' is missing"


def test_out_of_range_values_fail_validation_beyond_the_allowed_share() -> None:
    profile = build_profile(customers())
    current = customers(seed=2)
    current.loc[:39, "age"] = 200  # 10% of rows, in months instead of years say
    result = validate_data(current, profile)
    assert not result.passed
    (problem,) = result.evidence["problems"]
    assert problem["column"] == "age"
    assert problem["check"] == "range"
    assert problem["share"] == pytest.approx(0.1)
    assert problem["out_of_range"] == 40
    assert problem["reference_min"] == 20.0
    assert problem["reference_max"] == 60.0
    assert problem["allowed"] == pytest.approx([16.0, 64.0])
    assert problem["examples"] == [200.0, 200.0, 200.0]
    assert "10.0% of values outside [16, 64]" in result.message
    few = customers(seed=2)
    few.loc[:1, "age"] = 200  # 0.5%: within the default 1%
    assert validate_data(few, profile).passed
    strict = ValidationLimits(max_out_of_range_share=0.0)
    assert not validate_data(few, profile, limits=strict).passed


def test_a_type_change_fails_validation() -> None:
    profile = build_profile(customers())
    current = customers(seed=2)
    current["age"] = current["age"].astype(str) + " years"
    result = validate_data(current, profile)
    assert not result.passed
    assert result.evidence["problems"] == [
        {"column": "age", "check": "type", "expected": "numeric", "found": "categorical"}
    ]
    mixed = customers(seed=2).astype({"age": object})
    mixed.loc[0, "age"] = "unknown"
    (problem,) = validate_data(mixed, profile).evidence["problems"]
    assert problem["found"] == "unprofilable"


def test_more_missing_values_fail_validation_and_extra_columns_do_not() -> None:
    profile = build_profile(customers())
    current = customers(seed=2).astype({"city": object})
    current.loc[:79, "city"] = None  # 20% missing, none in the reference
    current["note"] = "x"
    result = validate_data(current, profile)
    assert not result.passed
    (problem,) = result.evidence["problems"]
    assert problem == {
        "column": "city",
        "check": "missing",
        "reference_rate": 0.0,
        "current_rate": pytest.approx(0.2),
    }
    assert result.evidence["extra_columns"] == ["note"]
    empty = customers(seed=2).assign(age=None)  # no value at all: missing, not a new type
    (problem,) = validate_data(empty, profile).evidence["problems"]
    assert problem["check"] == "missing"
    assert problem["current_rate"] == 1.0


def test_validation_without_a_profile_is_skipped() -> None:
    result = validate_data(customers(), None)
    assert result.passed
    assert result.evidence == {"skipped": True}


def test_evaluate_gates_runs_data_validation_on_the_holdout() -> None:
    features, labels = holdout()
    reference = build_profile(features)
    shifted = features.assign(x=features["x"] * 100.0)
    report = evaluate_gates(
        spec(data_validation=True),
        champion=RuleModel(range(20)),
        challenger=RuleModel(range(10)),
        holdout_features=shifted,
        holdout_labels=labels,
        profile=reference,
    )
    assert report.failed == ("data_validation",)
    assert report.result("data_validation").evidence["problems"][0]["column"] == "x"
    json.dumps(report.to_evidence(), allow_nan=False)


# --- latency ------------------------------------------------------------------------------------


def test_a_slow_challenger_fails_the_latency_gate_after_a_few_calls() -> None:
    started = time.perf_counter()
    report = gates(RuleModel(range(20)), SlowModel(0.02), spec(latency_budget_ms=5))
    elapsed = time.perf_counter() - started
    assert report.failed == ("latency",)
    latency = report.result("latency")
    assert latency.evidence["stopped_early"] is True
    assert latency.evidence["planned_rows"] == ROWS
    assert latency.evidence["timed_rows"] == 2  # 2 of 100 over budget decide the p99
    assert latency.evidence["p99_ms"] >= 20.0
    assert latency.evidence["budget_ms"] == 5
    assert "p99 over the budget of 5 ms" in latency.message
    assert elapsed < 2.0  # not 100 slow calls


def test_a_fast_challenger_passes_the_latency_gate() -> None:
    report = gates(RuleModel(range(20)), RuleModel(range(10)), spec(latency_budget_ms=1000))
    latency = report.result("latency")
    assert latency.passed
    assert latency.evidence["timed_rows"] == ROWS
    assert latency.evidence["stopped_early"] is False
    assert 0.0 < latency.evidence["p99_ms"] <= 1000.0
    assert report.passed


def test_latency_is_timed_on_at_most_the_row_limit() -> None:
    report = gates(
        RuleModel(range(20)), RuleModel(range(10)), spec(latency_budget_ms=1000), latency_rows=7
    )
    assert report.result("latency").evidence["timed_rows"] == 7


def test_a_challenger_that_cannot_predict_fails_the_latency_gate() -> None:
    report = gates(RuleModel(range(20)), BrokenModel(), spec(latency_budget_ms=10))
    assert "latency" in report.failed
    assert report.result("latency").evidence["challenger_error"].startswith("ValueError")


# --- bad input ----------------------------------------------------------------------------------


def test_a_metric_that_cannot_be_computed_offline_is_refused() -> None:
    custom = GatesSpec(metric="lift_at_10", higher_is_better=True)
    with pytest.raises(
        UnknownMetricError, match="metric 'lift_at_10' cannot be computed"
    ) as caught:
        gates(RuleModel(range(20)), RuleModel(range(10)), custom)
    assert caught.value.field == "gates.metric"
    assert caught.value.code == "UNKNOWN_METRIC"


def test_labels_must_match_the_holdout_rows() -> None:
    features, labels = holdout()
    with pytest.raises(InvalidParameterError, match="one label per holdout row") as caught:
        evaluate_gates(
            spec(),
            champion=None,
            challenger=RuleModel(range(1)),
            holdout_features=features,
            holdout_labels=labels.iloc[:10],
            profile=None,
        )
    assert caught.value.field == "holdout_labels"
    with pytest.raises(InvalidParameterError, match="the holdout is empty"):
        evaluate_gates(
            spec(),
            champion=None,
            challenger=RuleModel(range(1)),
            holdout_features=features.iloc[:0],
            holdout_labels=labels.iloc[:0],
            profile=None,
        )


def test_a_report_names_its_gates() -> None:
    report = gates(RuleModel(range(20)), RuleModel(range(10)), spec())
    with pytest.raises(InvalidParameterError, match="no gate 'latency' ran"):
        report.result("latency")
