"""Live performance metrics agree with scikit-learn's (the oracle) to 1e-9."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as sk

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.performance import (
    classification_metrics,
    compare_performance,
    regression_metrics,
)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_classification_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 500)
    p1 = np.clip(0.5 * y + rng.normal(0.25, 0.25, 500), 0, 1).round(2)  # with ties
    proba = np.column_stack([1 - p1, p1])
    pred = (p1 > 0.5).astype(int)
    got = classification_metrics(y, pred, proba, classes=[0, 1])
    assert got["accuracy"] == pytest.approx(sk.accuracy_score(y, pred), abs=1e-12)
    assert got["f1"] == pytest.approx(sk.f1_score(y, pred), abs=1e-12)
    assert got["precision"] == pytest.approx(sk.precision_score(y, pred), abs=1e-12)
    assert got["recall"] == pytest.approx(sk.recall_score(y, pred), abs=1e-12)
    assert got["balanced_accuracy"] == pytest.approx(sk.balanced_accuracy_score(y, pred), abs=1e-12)
    assert got["roc_auc"] == pytest.approx(sk.roc_auc_score(y, p1), abs=1e-9)
    assert got["log_loss"] == pytest.approx(sk.log_loss(y, proba, labels=[0, 1]), abs=1e-9)


def test_multiclass_matches_sklearn() -> None:
    rng = np.random.default_rng(7)
    classes = ["a", "b", "c"]
    y = rng.choice(classes, 600)
    logits = rng.normal(size=(600, 3)) + 2.0 * (y[:, None] == np.array(classes))
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pred = np.array(classes)[proba.argmax(axis=1)]
    got = classification_metrics(y, pred, proba, classes=classes)
    assert got["accuracy"] == pytest.approx(sk.accuracy_score(y, pred), abs=1e-12)
    assert got["f1"] == pytest.approx(sk.f1_score(y, pred, average="macro"), abs=1e-12)
    assert got["precision"] == pytest.approx(
        sk.precision_score(y, pred, average="macro"), abs=1e-12
    )
    assert got["recall"] == pytest.approx(sk.recall_score(y, pred, average="macro"), abs=1e-12)
    assert got["balanced_accuracy"] == pytest.approx(sk.balanced_accuracy_score(y, pred), abs=1e-12)
    assert got["roc_auc"] == pytest.approx(
        sk.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes),
        abs=1e-9,
    )
    assert got["log_loss"] == pytest.approx(sk.log_loss(y, proba, labels=classes), abs=1e-9)


def test_regression_matches_sklearn() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(10, 3, 400)
    p = y + rng.normal(0, 1, 400)
    got = regression_metrics(y, p)
    assert got["rmse"] == pytest.approx(math.sqrt(sk.mean_squared_error(y, p)), rel=1e-12)
    assert got["mse"] == pytest.approx(sk.mean_squared_error(y, p), rel=1e-12)
    assert got["mae"] == pytest.approx(sk.mean_absolute_error(y, p), rel=1e-12)
    assert got["r2"] == pytest.approx(sk.r2_score(y, p), rel=1e-12)
    assert math.isnan(regression_metrics([1.0, 1.0], [1.0, 2.0])["r2"])


def test_auc_is_left_out_when_the_window_has_one_class() -> None:
    got = classification_metrics([1, 1], [1, 0], np.array([[0.2, 0.8], [0.6, 0.4]]), [0, 1])
    assert "roc_auc" not in got
    assert got["accuracy"] == 0.5


def test_comparison_flags_only_real_degradation() -> None:
    result = compare_performance(
        {"accuracy": 0.80, "log_loss": 0.50, "f1": 0.79, "rmse": 1.0},
        {"accuracy": 0.90, "log_loss": 0.40, "f1": 0.80},
        tolerance=0.05,
    )
    assert result.degraded == ("accuracy", "log_loss")
    assert result.relative_change["accuracy"] == pytest.approx(-0.1 / 0.9)
    assert result.relative_change["log_loss"] == pytest.approx(-0.25)
    assert "rmse" not in result.relative_change


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: classification_metrics([], []), "labels"),
        (lambda: classification_metrics([1, 0], [1]), "predictions"),
        (lambda: classification_metrics([1], [1], np.array([[0.5, 0.5]])), "classes"),
        (lambda: classification_metrics([1], [1], np.array([[1.0]]), [0, 1]), "probabilities"),
        (lambda: classification_metrics([2], [1], np.array([[0.5, 0.5]]), [0, 1]), "labels"),
        (lambda: regression_metrics([1.0], [float("inf")]), "labels"),
        (lambda: regression_metrics(["x"], [1.0]), "labels"),
        (lambda: compare_performance({}, {}, tolerance=1.5), "tolerance"),
    ],
)
def test_bad_input_names_the_field(call: object, field: str) -> None:
    with pytest.raises(InvalidParameterError) as raised:
        call()  # type: ignore[operator]
    assert raised.value.field == field
