"""Inference logs written with the real writer, and the direct computation live numbers must
match; a challenger that fails on some rows, for the scoring-server tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from driftloop.monitoring.inference_log import FeedbackLabel, InferenceLogWriter, ScoredRequest
from driftloop.monitoring.request_ids import new_request_id


@dataclass(frozen=True, slots=True)
class Row:
    """One logged row, as the test wrote it."""

    request_id: str
    row_index: int
    route: str
    version: int
    timestamp_ms: int
    prediction: Any
    probabilities: list[float] | None
    latency_ms: float


@dataclass
class WrittenLog:
    """Everything written to one deployment's log, to compute the expected numbers from."""

    rows: list[Row] = field(default_factory=list)
    labels: dict[tuple[str, int], Any] = field(default_factory=dict)

    def selected(self, routes: Iterable[str], version: int, since_ms: int) -> list[Row]:
        """The rows a model's live numbers are computed on."""
        wanted = set(routes)
        return [
            row
            for row in self.rows
            if row.route in wanted and row.version == version and row.timestamp_ms >= since_ms
        ]

    def labelled(self, rows: list[Row]) -> tuple[list[Row], list[Any]]:
        """The rows with a label, and their labels."""
        kept = [row for row in rows if (row.request_id, row.row_index) in self.labels]
        return kept, [self.labels[(row.request_id, row.row_index)] for row in kept]


def expected_p99(rows: list[Row]) -> float:
    """numpy's 99th percentile of one latency per request."""
    per_request = {row.request_id: row.latency_ms for row in rows}
    return float(np.percentile(list(per_request.values()), 99))


def expected_classification(rows: list[Row], labels: list[Any]) -> dict[str, float]:
    """scikit-learn's numbers for a binary classifier with probabilities of classes 0, 1."""
    y = np.asarray(labels)
    p = np.asarray([row.prediction for row in rows])
    proba = np.asarray([row.probabilities for row in rows], dtype=np.float64)
    return {
        "accuracy": float(skm.accuracy_score(y, p)),
        "f1": float(skm.f1_score(y, p)),
        "roc_auc": float(skm.roc_auc_score(y, proba[:, 1])),
        "log_loss": float(skm.log_loss(y, proba, labels=[0, 1])),
    }


def expected_regression(rows: list[Row], labels: list[Any]) -> dict[str, float]:
    """scikit-learn's regression numbers."""
    y = np.asarray(labels, dtype=np.float64)
    p = np.asarray([row.prediction for row in rows], dtype=np.float64)
    return {
        "rmse": float(np.sqrt(skm.mean_squared_error(y, p))),
        "mae": float(skm.mean_absolute_error(y, p)),
        "r2": float(skm.r2_score(y, p)),
    }


class LogBuilder:
    """Writes requests and labels through the real :class:`InferenceLogWriter`."""

    def __init__(self, root: str, name: str, *, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.written = WrittenLog()
        self.writer = InferenceLogWriter(root, name, flush_seconds=60)
        self.writer.start()

    def request(
        self,
        *,
        route: str,
        version: int,
        timestamp_ms: int,
        predictions: list[Any],
        probabilities: list[list[float]] | None = None,
        request_id: str | None = None,
        latency_ms: float | None = None,
    ) -> str:
        """Log one request of ``len(predictions)`` rows; returns its id."""
        request_id = request_id or new_request_id()
        latency = float(self.rng.uniform(1.0, 40.0)) if latency_ms is None else latency_ms
        features = pd.DataFrame(self.rng.normal(size=(len(predictions), 2)), columns=["f0", "f1"])
        assert self.writer.submit(
            ScoredRequest(
                request_id=request_id,
                timestamp_ms=timestamp_ms,
                model_name="clf",
                model_version=version,
                route=route,
                features=features,
                predictions=predictions,
                probabilities=probabilities,
                latency_ms=latency,
            )
        )
        for index, prediction in enumerate(predictions):
            proba = None if probabilities is None else probabilities[index]
            self.written.rows.append(
                Row(request_id, index, route, version, timestamp_ms, prediction, proba, latency)
            )
        return request_id

    def label(self, request_id: str, row_index: int, label: Any) -> None:
        """Give a row its label (through the writer's feedback files)."""
        assert self.writer.submit_feedback([FeedbackLabel(request_id, label, row_index)])
        self.written.labels[(request_id, row_index)] = label

    def close(self) -> WrittenLog:
        """Write everything and stop the writer."""
        self.writer.close()
        return self.written


class FlakyModel:
    """A challenger that fails every request with a row whose ``f3`` is over 50.

    Real traffic (and the warm-up example, drawn from the training frame) never has such
    rows; tests send them on purpose. A pyfunc: loading it needs ``trusted``.
    """

    def predict(self, data: Any) -> np.ndarray:
        """Zeros, or ValueError when a row has f3 > 50."""
        frame = pd.DataFrame(data)
        if bool((frame["f3"] > 50).any()):
            raise ValueError("f3 > 50 is not supported")
        return np.zeros(len(frame), dtype=np.int64)
