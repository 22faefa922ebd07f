"""The parsed rows of one scoring request, and how several requests become one model call."""

from __future__ import annotations

import enum
import json
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd


class InputKind(enum.StrEnum):
    """The shape a request's rows were parsed into.

    ``rows``: row-major values under named columns (``dataframe_split``,
    ``dataframe_records``, ``instances``/``inputs`` given as records); the DataFrame is built
    once per model call, so combining requests only concatenates Python lists.
    ``frame``: a DataFrame already (CSV and Parquet bodies). ``columns``: a dict of column
    arrays (``inputs`` as a dict). ``tensor``: one numpy array (``instances``/``inputs`` as
    nested lists), rows along the first axis.
    """

    ROWS = "rows"
    FRAME = "frame"
    COLUMNS = "columns"
    TENSOR = "tensor"


@dataclass(frozen=True, eq=False)
class ModelInput:
    """One request's input: its rows, in a form :meth:`LoadedModel.predict` accepts.

    Build these with the parsers in :mod:`driftloop.serving.formats`, not by hand.

    Attributes:
        kind: How the rows are held (see :class:`InputKind`).
        num_rows: Rows in the request (at least one).
        payload: ``list[list]`` rows for ``rows``, a DataFrame for ``frame``, a dict of 1-D
            arrays for ``columns``, an ndarray for ``tensor``.
        columns: The column names (``rows``, ``frame``, ``columns``); empty for tensors.
        index: The ``dataframe_split`` index, when the request gave one.
        params: The request's ``params`` object, when it gave one.
    """

    kind: InputKind
    num_rows: int
    payload: Any
    columns: tuple[Hashable, ...] = ()
    index: list[Any] | None = None
    params: dict[str, Any] | None = field(default=None)

    @property
    def data(self) -> pd.DataFrame | np.ndarray | dict[str, np.ndarray]:
        """The rows as ``predict`` takes them (a ``rows`` input builds its DataFrame here)."""
        if self.kind is InputKind.ROWS:
            return rows_frame(self.payload, self.columns, self.index)
        data: pd.DataFrame | np.ndarray | dict[str, np.ndarray] = self.payload
        return data

    @cached_property
    def batch_key(self) -> Hashable:
        """Equal for inputs :func:`combine_inputs` can put in one model call.

        Same kind, same columns in the same order, same params; for arrays also the same
        dtypes (and trailing shape for tensors); for frames the same dtypes.
        """
        params = None if self.params is None else json.dumps(self.params, sort_keys=True)
        if self.kind is InputKind.TENSOR:
            array: np.ndarray = self.payload
            return (self.kind, params, array.dtype.str, array.shape[1:])
        if self.kind is InputKind.COLUMNS:
            dtypes = tuple(value.dtype.str for value in self.payload.values())
            return (self.kind, params, self.columns, dtypes)
        if self.kind is InputKind.FRAME:
            dtypes = tuple(str(dtype) for dtype in self.payload.dtypes)
            return (self.kind, params, self.columns, dtypes)
        return (self.kind, params, self.columns, self.index is None)


def combine_inputs(inputs: Sequence[ModelInput]) -> ModelInput:
    """The rows of several requests, in order, as one input (for one model call).

    Only inputs with equal :attr:`ModelInput.batch_key` combine; the batcher groups by it.
    Predictions of the combined input are given back with :func:`split_predictions` and the
    inputs' ``num_rows``.

    Raises:
        ValueError: ``inputs`` is empty or holds inputs of different kinds, columns, dtypes or
            params (a caller bug: group by ``batch_key`` first).
    """
    if not inputs:
        raise ValueError("combine_inputs needs at least one input")
    first = inputs[0]
    if len(inputs) == 1:
        return first
    key = first.batch_key
    for position, other in enumerate(inputs):
        if other.batch_key != key:
            raise ValueError(
                f"input {position} cannot share a model call with input 0: different kind, "
                "columns, dtypes or params (group inputs by ModelInput.batch_key)"
            )
    num_rows = sum(item.num_rows for item in inputs)
    if first.kind is InputKind.ROWS:
        rows: list[list[Any]] = []
        for item in inputs:
            rows.extend(item.payload)
        index = None
        if first.index is not None:
            index = [label for item in inputs for label in item.index or ()]
        return ModelInput(first.kind, num_rows, rows, first.columns, index, first.params)
    if first.kind is InputKind.FRAME:
        frame = pd.concat([item.payload for item in inputs], ignore_index=True)
        return ModelInput(first.kind, num_rows, frame, first.columns, None, first.params)
    if first.kind is InputKind.COLUMNS:
        columns = {
            name: np.concatenate([item.payload[name] for item in inputs]) for name in first.payload
        }
        return ModelInput(first.kind, num_rows, columns, first.columns, None, first.params)
    tensor = np.concatenate([item.payload for item in inputs])
    return ModelInput(first.kind, num_rows, tensor, (), None, first.params)


_LABELS: dict[tuple[Hashable, ...], pd.Index] = {}
_MAX_LABELS = 256
_INT64 = np.iinfo(np.int64)


def rows_frame(
    rows: list[list[Any]], columns: tuple[Hashable, ...], index: list[Any] | None
) -> pd.DataFrame:
    """The DataFrame pandas would build from ``rows``, faster when every value is one type.

    Rows of only floats (or only integers within int64) become one 2-D block, ~10x faster
    than pandas' per-column inference on a single row; anything else is left to pandas, so
    the dtypes are always the ones pandas infers.
    """
    labels = _LABELS.get(columns)
    if labels is None:
        if len(_LABELS) >= _MAX_LABELS:
            _LABELS.clear()
        labels = _LABELS[columns] = pd.Index(columns)
    block = _uniform_block(rows)
    if block is not None:
        return pd.DataFrame(block, columns=labels, index=index, copy=False)
    return pd.DataFrame(rows, columns=labels, index=index)


def _uniform_block(rows: list[list[Any]]) -> np.ndarray | None:
    kinds = {type(value) for row in rows for value in row}
    if kinds == {float}:
        return np.array(rows, dtype=np.float64)
    if kinds == {int}:
        try:
            return np.array(rows, dtype=np.int64)
        except OverflowError:
            return None
    return None
