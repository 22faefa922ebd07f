"""A scored request, and its record for the inference log; a failed one, and its record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from driftloop.errors import DriftloopError
from driftloop.monitoring.inference_log import FailedRequest, ScoredRequest
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


def failure_record(
    *,
    request_id: str,
    timestamp_ms: int,
    model_name: str,
    model_version: int,
    route: str,
    error: Exception,
    latency_ms: float,
) -> FailedRequest:
    """The inference-log record of a request ``model_version`` failed with ``error``.

    A :class:`~driftloop.errors.DriftloopError` keeps its code and status (a signature
    mismatch is a 4xx: the model refused the input); any other exception gets what the
    caller is answered with for it, ``INTERNAL_ERROR`` and 500.
    """
    code, status = "INTERNAL_ERROR", 500
    if isinstance(error, DriftloopError):
        code, status = error.code, error.http_status
    return FailedRequest(
        request_id=request_id,
        timestamp_ms=timestamp_ms,
        model_name=model_name,
        model_version=model_version,
        route=route,
        error_type=type(error).__name__,
        error_code=code,
        status=status,
        latency_ms=latency_ms,
    )


def outcome(failure: FailedRequest | None) -> str:
    """``ok`` (answered), ``failed`` (5xx: the model failed) or ``rejected`` (4xx: bad input)."""
    if failure is None:
        return "ok"
    return "failed" if failure.status >= 500 else "rejected"


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
