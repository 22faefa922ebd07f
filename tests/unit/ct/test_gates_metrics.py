"""The gates' offline metrics against scikit-learn as the oracle."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from driftloop.ct._gates_metrics import (
    Answers,
    compute_metrics,
    label_universe,
    metric_value,
    task_of,
)


def _averaged_oracle(name: str, y: np.ndarray, p: np.ndarray) -> float:
    function = {"f1": sk.f1_score, "precision": sk.precision_score, "recall": sk.recall_score}[name]
    classes = sorted(set(y.tolist()) | set(p.tolist()))
    with warnings.catch_warnings():  # the oracle's own notes on degenerate inputs
        warnings.simplefilter("ignore")
        if len(classes) <= 2:
            return float(function(y, p, pos_label=classes[-1], average="binary", zero_division=0))
        return float(function(y, p, average="macro", zero_division=0))


@settings(max_examples=80, deadline=None)
@given(
    data=st.integers(2, 5).flatmap(
        lambda classes: st.lists(
            st.tuples(st.integers(0, classes - 1), st.integers(0, classes - 1)),
            min_size=2,
            max_size=60,
        )
    )
)
def test_classification_metrics_match_scikit_learn(data: list[tuple[int, int]]) -> None:
    y = np.array([label for label, _ in data])
    p = np.array([guess for _, guess in data])
    answers = Answers(p)
    assert metric_value("accuracy", y, answers) == pytest.approx(float(np.mean(y == p)))
    for name in ("f1", "precision", "recall"):
        assert metric_value(name, y, answers) == pytest.approx(_averaged_oracle(name, y, p)), name
    ours = metric_value("balanced_accuracy", y, answers)
    if len(set(p.tolist()) - set(y.tolist())) == 0:  # sklearn warns when p has unseen classes
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = sk.balanced_accuracy_score(y, p)
        assert ours == pytest.approx(expected)


def test_probability_metrics_match_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, size=200)
    positive = np.clip(0.5 * y + rng.uniform(0, 0.6, size=200), 0.0, 1.0)
    proba = np.column_stack([1 - positive, positive])
    answers = Answers((positive > 0.5).astype(int), proba, (0, 1))
    assert metric_value("roc_auc", y, answers) == pytest.approx(sk.roc_auc_score(y, positive))
    assert metric_value("log_loss", y, answers) == pytest.approx(sk.log_loss(y, proba))
    assert metric_value("roc_auc", y, Answers(answers.predictions)) is None  # no probabilities


def test_regression_metrics_match_scikit_learn() -> None:
    rng = np.random.default_rng(4)
    y = rng.normal(size=300)
    p = y + rng.normal(scale=0.3, size=300)
    answers = Answers(p)
    assert metric_value("rmse", y, answers) == pytest.approx(
        math.sqrt(sk.mean_squared_error(y, p)), rel=1e-12
    )
    assert metric_value("mse", y, answers) == pytest.approx(sk.mean_squared_error(y, p), rel=1e-9)
    assert metric_value("mae", y, answers) == pytest.approx(sk.mean_absolute_error(y, p))
    assert metric_value("r2", y, answers) == pytest.approx(sk.r2_score(y, p))
    assert metric_value("r2", np.ones(5), Answers(np.ones(5))) is None  # constant labels


def test_a_shared_class_universe_keeps_the_positive_class_for_both_models() -> None:
    y = np.array([0, 0, 0, 0])
    all_zero = Answers(np.array([0, 0, 0, 0]))
    one_wrong = Answers(np.array([0, 0, 0, 1]))
    universe = label_universe(y, all_zero, one_wrong)
    assert universe == [0, 1]
    assert metric_value("f1", y, all_zero, classes=universe) == 0.0  # no positive at all
    assert metric_value("f1", y, one_wrong, classes=universe) == 0.0


def test_compute_metrics_gives_every_defined_metric_of_the_task() -> None:
    y = np.array([0, 1, 1, 0, 1])
    classification = compute_metrics("classification", y, Answers(np.array([0, 1, 0, 0, 1])))
    assert set(classification) == {"accuracy", "balanced_accuracy", "f1", "precision", "recall"}
    regression = compute_metrics("regression", y.astype(float), Answers(np.zeros(5)))
    assert set(regression) == {"rmse", "mse", "mae", "r2"}
    assert task_of("rmse") == "regression"
    assert task_of("f1") == "classification"
