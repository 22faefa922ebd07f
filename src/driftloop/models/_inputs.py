"""Normalizing what users pass to ``predict`` into a DataFrame or a numpy array."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from driftloop.errors import SignatureError

_COLUMN_LIKE = (list, tuple, np.ndarray, pd.Series, pd.api.extensions.ExtensionArray, pd.Index)
_ACCEPTED = (
    "a pandas DataFrame or Series, a dict of columns, a dict of scalars (one record), "
    "a list of records (dicts) or a numpy array"
)


def to_model_input(data: Any, argument: str) -> pd.DataFrame | np.ndarray:
    """``data`` as a DataFrame or an ndarray; ``argument`` names it in errors.

    DataFrames and arrays pass through untouched (no copy). A named Series becomes a
    one-column frame; an unnamed Series becomes a 1-D array (its values, one per row).
    """
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, np.ndarray):
        if data.ndim == 0:
            raise SignatureError(f"{argument} must have at least one dimension", field=argument)
        return data
    if isinstance(data, pd.Series):
        return data.to_frame() if data.name is not None else data.to_numpy()
    if isinstance(data, Mapping):
        return _from_mapping(data, argument)
    if isinstance(data, list):
        return _from_records(data, argument)
    raise SignatureError(
        f"{argument} must be {_ACCEPTED}; got {type(data).__name__}", field=argument
    )


def _from_mapping(data: Mapping[Any, Any], argument: str) -> pd.DataFrame:
    if not data:
        raise SignatureError(f"{argument} is an empty dict", field=argument)
    for key in data:
        if not isinstance(key, str):
            raise SignatureError(
                f"{argument} keys must be column names (strings), got {key!r}", field=argument
            )
    column_like = [isinstance(value, _COLUMN_LIKE) for value in data.values()]
    if all(column_like):
        try:
            return pd.DataFrame(dict(data), copy=False)
        except ValueError as error:
            raise SignatureError(
                f"{argument} columns cannot form a table: {error}", field=argument
            ) from error
    if not any(column_like):
        return pd.DataFrame({key: [value] for key, value in data.items()}, copy=False)
    odd = next(key for key, flag in zip(data, column_like, strict=True) if not flag)
    raise SignatureError(
        f"{argument} mixes columns (lists) and scalars (column {odd!r}); pass either a dict "
        "of columns or a dict of scalars for one record",
        field=argument,
    )


def _from_records(data: list[Any], argument: str) -> pd.DataFrame:
    if not data:
        raise SignatureError(f"{argument} is an empty list", field=argument)
    for position, record in enumerate(data):
        if not isinstance(record, Mapping):
            raise SignatureError(
                f"{argument} must be a list of records (dicts), but item {position} is "
                f"of type {type(record).__name__}; pass arrays as numpy arrays (np.asarray)",
                field=argument,
            )
    return pd.DataFrame(data)
