"""Giving each request its predictions back, and writing them as JSON.

The C encoder writes every document; only one that contains a non-finite number gets a second
pass that turns bare ``NaN``/``Infinity`` tokens into ``null`` (strict JSON parsers reject
them), leaving string contents alone.
"""

from __future__ import annotations

import base64
import datetime
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from driftloop.serving._format_errors import PredictionCountError

# A JSON string literal, or a bare non-finite number token as json.dumps(allow_nan=True) writes it.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')


def split_predictions(predictions: Any, row_counts: Sequence[int]) -> list[Any]:
    """Cut the predictions of a combined input into each request's share, in order.

    Args:
        predictions: What the model returned for all rows: an ndarray (rows on the first
            axis), a list, a pandas Series or DataFrame, or a dict of per-row columns.
        row_counts: Rows of each request, in the order they were combined.

    Returns:
        One slice per request, of the same type as ``predictions``.

    Raises:
        PredictionCountError: The model returned a different number of rows than it got.
    """
    total = sum(row_counts)
    length = _length(predictions)
    if length != total:
        raise PredictionCountError(
            f"the model returned {length} predictions for {total} rows", field="predictions"
        )
    if len(row_counts) == 1:
        return [predictions]
    bounds = list(itertools.accumulate(row_counts, initial=0))
    pairs = itertools.pairwise(bounds)
    if isinstance(predictions, pd.Series | pd.DataFrame):
        return [predictions.iloc[start:stop] for start, stop in pairs]
    if isinstance(predictions, Mapping):
        return [
            {name: column[start:stop] for name, column in predictions.items()}
            for start, stop in pairs
        ]
    return [predictions[start:stop] for start, stop in pairs]


def _length(predictions: Any) -> int | None:
    if isinstance(predictions, np.ndarray):
        return None if predictions.ndim == 0 else len(predictions)
    if isinstance(predictions, list | tuple | pd.Series | pd.DataFrame):
        return len(predictions)
    if isinstance(predictions, Mapping):
        lengths = {len(column) for column in predictions.values() if hasattr(column, "__len__")}
        return lengths.pop() if len(lengths) == 1 else None
    return None


def jsonable(predictions: Any) -> Any:
    """Predictions as MLflow's scoring server writes them.

    An ndarray becomes nested lists, a DataFrame a list of records, a Series a list of
    one-key records (MLflow writes ``pd.DataFrame(series)`` as records); anything else is
    left to the encoder's fallbacks.
    """
    if isinstance(predictions, np.ndarray):
        return predictions.tolist()
    if isinstance(predictions, pd.DataFrame):
        return predictions.to_dict(orient="records")
    if isinstance(predictions, pd.Series):
        return pd.DataFrame(predictions).to_dict(orient="records")
    return predictions


def encode_json(document: Any) -> bytes:
    """Compact JSON bytes; numpy and pandas values converted, non-finite numbers as ``null``."""
    text = json.dumps(document, allow_nan=True, separators=(",", ":"), default=_fallback)
    if "NaN" in text or "Infinity" in text:
        text = _TOKENS.sub(_null_non_finite, text)
    return text.encode()


def _null_non_finite(match: re.Match[str]) -> str:
    return match.group(0) if match.group(1) is None else "null"


def _fallback(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.datetime64):
        return str(np.datetime_as_string(value))
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, pd.Timestamp | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, pd.Series | pd.DataFrame):
        return jsonable(value)
    raise TypeError(f"cannot write a {type(value).__name__} prediction as JSON")


def prediction_rows(predictions: Any) -> list[Any]:
    """One JSON-ready value per row: a scalar, a list (array rows) or a dict (frame rows)."""
    if isinstance(predictions, np.ndarray | pd.Series):
        return list(predictions.tolist())
    if isinstance(predictions, pd.DataFrame):
        return list(predictions.to_dict(orient="records"))
    if isinstance(predictions, Mapping):
        names = list(predictions)
        columns = [jsonable(predictions[name]) for name in names]
        return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
    return list(predictions)


def probability_rows(
    probabilities: np.ndarray, classes: Sequence[Any] | None
) -> list[dict[str, float]]:
    """One ``{class label: probability}`` dict per row (labels as strings, JSON keys)."""
    labels = (
        [str(label) for label in classes]
        if classes is not None
        else [str(position) for position in range(probabilities.shape[1])]
    )
    return [dict(zip(labels, row, strict=True)) for row in probabilities.tolist()]
