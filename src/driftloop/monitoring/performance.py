"""Live performance: metrics on the labelled rows of a window, against the training metrics.

Pure numpy (no scikit-learn needed at serving/monitoring time). Classification:
``accuracy``; ``balanced_accuracy`` (mean recall over the classes the labels hold);
``f1``, ``precision`` and ``recall`` (binary: of the positive class, the larger label or
the second of ``classes``; multiclass: macro average); ``roc_auc`` (binary: rank statistic of the
positive class's probability, ties averaged; multiclass: macro one-vs-rest) and
``log_loss`` (probabilities clipped to [eps, 1 - eps], eps the float64 machine epsilon, as
scikit-learn does) when
probabilities are given. Regression: ``rmse``, ``mse``, ``mae``, ``r2``.

:func:`compare_performance` says which metrics got worse than the reference (the model's
validation metrics recorded at training) by more than a relative tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from driftloop.errors import InvalidParameterError

HIGHER_IS_BETTER = frozenset(
    {"accuracy", "balanced_accuracy", "f1", "precision", "recall", "roc_auc", "r2"}
)
LOWER_IS_BETTER = frozenset({"log_loss", "rmse", "mse", "mae"})
_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True, slots=True)
class PerformanceComparison:
    """Current metrics next to the reference ones.

    Attributes:
        current: Metric -> value on the window.
        reference: Metric -> value at training (only the metrics both sides have compare).
        relative_change: Metric -> (current - reference) / |reference|, signed so that a
            negative number is always worse.
        degraded: Metrics worse than the reference by more than the tolerance, sorted.
        tolerance: The relative tolerance used.
    """

    current: Mapping[str, float]
    reference: Mapping[str, float]
    relative_change: Mapping[str, float] = field(default_factory=dict)
    degraded: tuple[str, ...] = ()
    tolerance: float = 0.05


def classification_metrics(
    labels: Sequence[Any] | np.ndarray,
    predictions: Sequence[Any] | np.ndarray,
    probabilities: np.ndarray | None = None,
    classes: Sequence[Any] | None = None,
) -> dict[str, float]:
    """Accuracy, balanced accuracy, F1, precision, recall; ROC AUC and log loss with probabilities.

    ``probabilities`` is rows x classes, its columns in ``classes`` order.

    Raises:
        InvalidParameterError: Empty input, lengths differ, or probabilities of the wrong
            shape / without ``classes``.
    """
    y = np.asarray(labels)
    p = np.asarray(predictions)
    _check_lengths(y, p)
    metrics = {"accuracy": float(np.mean(y == p))}
    known = _classes(y, p, classes)
    metrics["f1"] = _f1(y, p, known)
    metrics["precision"], metrics["recall"] = _precision_recall(y, p, known)
    metrics["balanced_accuracy"] = _balanced_accuracy(y, p)
    if probabilities is not None:
        proba = np.asarray(probabilities, dtype=np.float64)
        if classes is None:
            raise InvalidParameterError(
                "classes must name the probability columns", field="classes"
            )
        if proba.ndim != 2 or proba.shape != (len(y), len(classes)):
            raise InvalidParameterError(
                f"probabilities must be {len(y)} x {len(classes)}, got {proba.shape}",
                field="probabilities",
            )
        if not np.isfinite(proba).all():
            raise InvalidParameterError("probabilities must be finite", field="probabilities")
        metrics["log_loss"] = _log_loss(y, proba, list(classes))
        auc = _roc_auc(y, proba, list(classes))
        if auc is not None:
            metrics["roc_auc"] = auc
    return metrics


def regression_metrics(
    labels: Sequence[float] | np.ndarray, predictions: Sequence[float] | np.ndarray
) -> dict[str, float]:
    """RMSE, MSE, MAE and R² (R² is NaN when the labels are constant).

    Raises:
        InvalidParameterError: Empty input, lengths differ, or non-finite numbers.
    """
    try:
        y = np.asarray(labels, dtype=np.float64)
        p = np.asarray(predictions, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            "labels and predictions must be numbers", field="labels"
        ) from None
    _check_lengths(y, p)
    if not (np.isfinite(y).all() and np.isfinite(p).all()):
        raise InvalidParameterError("labels and predictions must be finite", field="labels")
    residual = y - p
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = math.nan if total == 0.0 else 1.0 - float(np.sum(residual**2)) / total
    return {
        "rmse": float(np.sqrt(np.mean(residual**2))),
        "mse": float(np.mean(residual**2)),
        "mae": float(np.mean(np.abs(residual))),
        "r2": r2,
    }


def compare_performance(
    current: Mapping[str, float], reference: Mapping[str, float], *, tolerance: float = 0.05
) -> PerformanceComparison:
    """Which metrics are worse than ``reference`` by more than ``tolerance`` (relative).

    Raises:
        InvalidParameterError: ``tolerance`` is not in [0, 1).
    """
    if not 0.0 <= tolerance < 1.0:
        raise InvalidParameterError("tolerance must be in [0, 1)", field="tolerance")
    changes: dict[str, float] = {}
    degraded = []
    for name in sorted(set(current) & set(reference)):
        now, then = current[name], reference[name]
        if not (math.isfinite(now) and math.isfinite(then)) or then == 0.0:
            continue
        sign = 1.0 if name in HIGHER_IS_BETTER else -1.0 if name in LOWER_IS_BETTER else 0.0
        if sign == 0.0:
            continue
        change = sign * (now - then) / abs(then)
        changes[name] = change
        if change < -tolerance:
            degraded.append(name)
    return PerformanceComparison(
        dict(current), dict(reference), changes, tuple(degraded), tolerance
    )


def _check_lengths(y: np.ndarray, p: np.ndarray) -> None:
    if y.ndim != 1 or p.ndim != 1:
        raise InvalidParameterError("labels and predictions must be 1-D", field="labels")
    if len(y) == 0:
        raise InvalidParameterError("no labelled rows", field="labels")
    if len(y) != len(p):
        raise InvalidParameterError(
            f"{len(y)} labels but {len(p)} predictions", field="predictions"
        )


def _classes(y: np.ndarray, p: np.ndarray, classes: Sequence[Any] | None) -> list[Any]:
    if classes is not None:
        return list(classes)
    return sorted(set(y.tolist()) | set(p.tolist()), key=lambda v: (str(type(v)), v))


def _f1(y: np.ndarray, p: np.ndarray, classes: list[Any]) -> float:
    if len(classes) <= 2:
        positive = classes[-1]
        return _f1_of(y == positive, p == positive)
    scores = [_f1_of(y == c, p == c) for c in classes if np.any(y == c) or np.any(p == c)]
    return float(np.mean(scores)) if scores else 0.0


def _precision_recall(y: np.ndarray, p: np.ndarray, classes: list[Any]) -> tuple[float, float]:
    """Of the positive class (binary), or macro over the classes either side holds."""
    if len(classes) <= 2:
        positive = classes[-1]
        return _precision_recall_of(y == positive, p == positive)
    pairs = [
        _precision_recall_of(y == c, p == c) for c in classes if np.any(y == c) or np.any(p == c)
    ]
    if not pairs:
        return 0.0, 0.0
    return float(np.mean([pair[0] for pair in pairs])), float(np.mean([pair[1] for pair in pairs]))


def _precision_recall_of(truth: np.ndarray, guess: np.ndarray) -> tuple[float, float]:
    true_positive = float(np.sum(truth & guess))
    guessed, actual = float(np.sum(guess)), float(np.sum(truth))
    return (
        0.0 if guessed == 0.0 else true_positive / guessed,
        0.0 if actual == 0.0 else true_positive / actual,
    )


def _balanced_accuracy(y: np.ndarray, p: np.ndarray) -> float:
    recalls = [float(np.mean(p[y == c] == c)) for c in set(y.tolist())]
    return float(np.mean(recalls))


def _f1_of(truth: np.ndarray, guess: np.ndarray) -> float:
    true_positive = float(np.sum(truth & guess))
    denominator = float(np.sum(truth)) + float(np.sum(guess))
    return 0.0 if denominator == 0.0 else 2.0 * true_positive / denominator


def _log_loss(y: np.ndarray, proba: np.ndarray, classes: list[Any]) -> float:
    index = {label: i for i, label in enumerate(classes)}
    columns = np.fromiter((index.get(v, -1) for v in y.tolist()), dtype=np.int64, count=len(y))
    if (columns < 0).any():
        raise InvalidParameterError("a label is not among the probability classes", field="labels")
    clipped = np.clip(proba, _EPS, 1.0 - _EPS)
    return float(-np.mean(np.log(clipped[np.arange(len(y)), columns])))


def _roc_auc(y: np.ndarray, proba: np.ndarray, classes: list[Any]) -> float | None:
    if len(classes) == 2:
        return _binary_auc(y == classes[1], proba[:, 1])
    scores = [
        auc
        for i, label in enumerate(classes)
        if (auc := _binary_auc(y == label, proba[:, i])) is not None
    ]
    return float(np.mean(scores)) if scores else None


def _binary_auc(truth: np.ndarray, score: np.ndarray) -> float | None:
    positives = int(truth.sum())
    negatives = len(truth) - positives
    if positives == 0 or negatives == 0:
        return None  # undefined with one class in the window
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score), dtype=np.float64)
    sorted_scores = score[order]
    # average ranks of ties
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], len(score)]
    averaged = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(averaged, ends - starts)
    rank_sum = float(ranks[truth].sum())
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)
