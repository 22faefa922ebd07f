"""A scored request, and its record for the inference log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from driftloop.monitoring.inference_log import ScoredRequest
from driftloop.serving.formats import ModelInput
from driftloop.serving.served_model import RequestScores


@dataclass(frozen=True, slots=True)
class ScoredCall:
    """One request after scoring: who answered and what.

    Attributes:
        request_id: The id returned to the caller (UUIDv7), the key feedback refers to.
        timestamp_ms: When the request was received.
        model_name: The registered model.
        model_version: The version that scored it.
        route: ``champion``, ``challenger`` (canary share) or ``shadow`` (a copy).
        model_input: The parsed rows.
        scores: The model's output for these rows.
        latency_ms: From routing to the model's answer.
    """

    request_id: str
    timestamp_ms: int
    model_name: str
    model_version: int
    route: str
    model_input: ModelInput
    scores: RequestScores
    latency_ms: float


def log_record(call: ScoredCall) -> ScoredRequest:
    """The inference-log record of a call (cheap: conversion to Arrow happens in the writer)."""
    probabilities = call.scores.probabilities
    return ScoredRequest(
        request_id=call.request_id,
        timestamp_ms=call.timestamp_ms,
        model_name=call.model_name,
        model_version=call.model_version,
        route=call.route,
        features=features_frame(call.model_input.data),
        predictions=_rows(call.scores.predictions),
        probabilities=None if probabilities is None else probabilities.tolist(),
        latency_ms=call.latency_ms,
    )


def features_frame(data: Any) -> pd.DataFrame:
    """The request's rows as a DataFrame (tensor columns named ``0``, ``1``, ...)."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, dict):
        return pd.DataFrame({str(key): _column(value) for key, value in data.items()})
    array = np.asarray(data)
    if array.ndim == 1:
        return pd.DataFrame({"0": array})
    if array.ndim == 2:
        return pd.DataFrame(array, columns=[str(i) for i in range(array.shape[1])])
    return pd.DataFrame({"0": [row.tolist() for row in array]})


def _column(value: Any) -> Any:
    array = np.asarray(value)
    return array if array.ndim <= 1 else [row.tolist() for row in array]


def _rows(predictions: Any) -> list[Any]:
    if isinstance(predictions, pd.DataFrame):
        return [list(row) for row in predictions.itertuples(index=False)]
    if isinstance(predictions, pd.Series | np.ndarray):
        rows: list[Any] = predictions.tolist()
        return rows
    return list(predictions)
