"""Offline metrics of a model on labelled rows: what the gates compare and retraining logs.

Pure numpy (no scikit-learn at gating time). The names are the policy's known metrics
(:data:`driftloop.ct.HIGHER_IS_BETTER`): classification ``accuracy``, ``balanced_accuracy``,
``f1``, ``precision``, ``recall`` (binary: of the positive class, the larger of the two
labels; multiclass: macro average over the classes seen in labels or predictions), and with
class probabilities ``roc_auc`` and ``log_loss`` (computed by
:mod:`driftloop.monitoring.performance`); regression ``rmse``, ``mse``, ``mae``, ``r2``.

A metric that cannot be computed on some rows (``roc_auc`` with one class, ``r2`` with
constant labels, a probability metric for a model without probabilities) is ``None``, never
NaN, so callers decide what "undefined" means.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from driftloop.ct._policy_values import HIGHER_IS_BETTER
from driftloop.errors import InvalidParameterError
from driftloop.models.loaded import LoadedModel
from driftloop.monitoring.performance import classification_metrics, regression_metrics

__all__ = [
    "CLASSIFICATION_METRICS",
    "PROBABILITY_METRICS",
    "REGRESSION_METRICS",
    "Answers",
    "Task",
    "UnknownMetricError",
    "check_metric",
    "compute_metrics",
    "label_universe",
    "metric_value",
    "model_answers",
    "task_of",
]

Task = Literal["classification", "regression"]

CLASSIFICATION_METRICS = (
    "accuracy",
    "balanced_accuracy",
    "f1",
    "precision",
    "recall",
    "roc_auc",
    "log_loss",
)
REGRESSION_METRICS = ("rmse", "mse", "mae", "r2")
PROBABILITY_METRICS = frozenset({"roc_auc", "log_loss"})


class UnknownMetricError(InvalidParameterError):
    """A gate names a metric driftloop cannot compute offline; the message lists the known."""

    code = "UNKNOWN_METRIC"


@dataclass(frozen=True, slots=True)
class Answers:
    """What a model said about some rows.

    Attributes:
        predictions: One answer per row (1-D).
        probabilities: Rows x classes, or None when the model gives none (or was not asked).
        classes: The label of each probability column, when known.
    """

    predictions: np.ndarray
    probabilities: np.ndarray | None = None
    classes: tuple[Any, ...] | None = None

    def take(self, positions: np.ndarray) -> Answers:
        """The answers of the rows at ``positions`` (a slice of the data)."""
        proba = None if self.probabilities is None else self.probabilities[positions]
        return Answers(self.predictions[positions], proba, self.classes)


def check_metric(metric: str, *, field: str = "gates.metric") -> None:
    """Raise :class:`UnknownMetricError` unless ``metric`` is computed offline."""
    if metric not in HIGHER_IS_BETTER:
        known = ", ".join(sorted(HIGHER_IS_BETTER))
        raise UnknownMetricError(
            f"metric {metric!r} cannot be computed offline (known: {known})", field=field
        )


def task_of(metric: str) -> Task:
    """``regression`` for rmse, mse, mae and r2; ``classification`` for the others."""
    check_metric(metric)
    return "regression" if metric in REGRESSION_METRICS else "classification"


def model_answers(model: Any, data: pd.DataFrame, *, probabilities: bool) -> Answers:
    """Run ``model`` on ``data``.

    A :class:`LoadedModel` is scored through ``score`` (the signature is enforced once and
    columns it does not name are dropped without a warning); any other object needs
    ``predict`` and, for probabilities, ``predict_proba`` and ``classes_``.

    Raises:
        InvalidParameterError: The model returned something that is not one answer per row.
        Exception: Whatever the model raises (callers report it as evidence).
    """
    proba: Any = None
    classes: Any = None
    if isinstance(model, LoadedModel):
        scores = model.score(data, probabilities=probabilities)
        predictions, proba, classes = scores.predictions, scores.probabilities, scores.classes
    else:
        predictions = model.predict(data)
        if probabilities and callable(getattr(model, "predict_proba", None)):
            proba = model.predict_proba(data)
            classes = getattr(model, "classes_", None)
    flat = _one_per_row(predictions, len(data))
    if proba is not None:
        proba = np.asarray(proba, dtype=np.float64)
        if proba.ndim != 2 or proba.shape[0] != len(data):
            proba = None
    known = None if classes is None else tuple(np.asarray(classes).tolist())
    if proba is not None and (known is None or len(known) != proba.shape[1]):
        proba, known = None, None
    return Answers(flat, proba, known)


def label_universe(labels: np.ndarray, *answers: Answers) -> list[Any]:
    """Every class seen in the labels or any model's predictions, sorted.

    Comparing two models on one universe keeps the binary positive class the same for both.
    """
    values: set[Any] = set(np.asarray(labels).tolist())
    for item in answers:
        values.update(item.predictions.tolist())
    return sorted(values, key=lambda value: (str(type(value)), value))


def metric_value(
    metric: str, labels: np.ndarray, answers: Answers, *, classes: Sequence[Any] | None = None
) -> float | None:
    """One metric of ``answers`` against ``labels``; None when it is undefined on these rows.

    ``classes`` is the class universe for classification (see :func:`label_universe`);
    by default the labels' and predictions' own.
    """
    check_metric(metric)
    if len(labels) == 0:
        return None
    if metric in REGRESSION_METRICS:
        return _regression(labels, answers.predictions).get(metric)
    if metric in PROBABILITY_METRICS:
        return _probability_metric(metric, labels, answers)
    universe = list(classes) if classes is not None else label_universe(labels, answers)
    return _finite(_CLASS_METRICS[metric](np.asarray(labels), answers.predictions, universe))


def compute_metrics(task: Task, labels: np.ndarray, answers: Answers) -> dict[str, float]:
    """Every metric of ``task`` that is defined on these rows."""
    names = CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS
    universe = label_universe(labels, answers) if task == "classification" else None
    values = {name: metric_value(name, labels, answers, classes=universe) for name in names}
    return {name: value for name, value in values.items() if value is not None}


def _one_per_row(predictions: Any, rows: int) -> np.ndarray:
    if isinstance(predictions, pd.DataFrame | pd.Series):
        predictions = predictions.to_numpy()
    flat = np.asarray(predictions)
    if flat.ndim == 2 and flat.shape[1] == 1:
        flat = flat[:, 0]
    if flat.ndim != 1 or len(flat) != rows:
        raise InvalidParameterError(
            f"the model returned {flat.shape} predictions for {rows} rows; gates need one "
            "answer per row",
            field="predictions",
        )
    return flat


def _regression(labels: np.ndarray, predictions: np.ndarray) -> dict[str, float | None]:
    try:
        values = regression_metrics(labels, predictions)
    except InvalidParameterError:
        return {}  # not numbers, or not finite: undefined
    rmse = values["rmse"]
    return {
        "rmse": rmse,
        "mse": rmse * rmse,
        "mae": values["mae"],
        "r2": _finite(values["r2"]),
    }


def _probability_metric(metric: str, labels: np.ndarray, answers: Answers) -> float | None:
    if answers.probabilities is None or answers.classes is None:
        return None
    try:
        values = classification_metrics(
            labels, answers.predictions, answers.probabilities, classes=answers.classes
        )
    except InvalidParameterError:
        return None  # e.g. a label the model has no probability column for
    return _finite(values.get(metric))


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _per_class(
    y: np.ndarray, p: np.ndarray, classes: list[Any]
) -> list[tuple[float, float, float]]:
    """(true positives, predicted positives, actual positives) per class."""
    return [
        (float(np.sum((y == c) & (p == c))), float(np.sum(p == c)), float(np.sum(y == c)))
        for c in classes
    ]


def _ratio(numerator: float, denominator: float) -> float:
    return 0.0 if denominator == 0.0 else numerator / denominator


def _averaged(y: np.ndarray, p: np.ndarray, classes: list[Any], kind: str) -> float:
    """Binary: the positive class's score; multiclass: the macro average."""
    counts = _per_class(y, p, classes)
    scores = []
    for tp, predicted, actual in counts:
        if kind == "precision":
            scores.append(_ratio(tp, predicted))
        elif kind == "recall":
            scores.append(_ratio(tp, actual))
        else:
            scores.append(_ratio(2.0 * tp, predicted + actual))
    if len(classes) <= 2:
        return scores[-1]
    seen = [
        score
        for score, (_, predicted, actual) in zip(scores, counts, strict=True)
        if predicted or actual
    ]
    return float(np.mean(seen)) if seen else 0.0


def _accuracy(y: np.ndarray, p: np.ndarray, _classes: list[Any]) -> float:
    return float(np.mean(y == p))


def _balanced_accuracy(y: np.ndarray, p: np.ndarray, classes: list[Any]) -> float:
    recalls = [tp / actual for tp, _, actual in _per_class(y, p, classes) if actual]
    return float(np.mean(recalls)) if recalls else math.nan


def _f1(y: np.ndarray, p: np.ndarray, classes: list[Any]) -> float:
    return _averaged(y, p, classes, "f1")


def _precision(y: np.ndarray, p: np.ndarray, classes: list[Any]) -> float:
    return _averaged(y, p, classes, "precision")


def _recall(y: np.ndarray, p: np.ndarray, classes: list[Any]) -> float:
    return _averaged(y, p, classes, "recall")


_CLASS_METRICS: dict[str, Callable[[np.ndarray, np.ndarray, list[Any]], float]] = {
    "accuracy": _accuracy,
    "balanced_accuracy": _balanced_accuracy,
    "f1": _f1,
    "precision": _precision,
    "recall": _recall,
}
