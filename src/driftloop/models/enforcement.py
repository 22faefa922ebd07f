"""Checking model input against a signature before the model sees it.

:func:`enforce_signature` turns what a user passes to ``predict`` into exactly what the model
was built for, or raises :class:`~driftloop.errors.SignatureError` naming the column and saying
what was expected and what was found. It never changes a value: casts are made only when every
value survives them (the rules are in :mod:`driftloop.models._casting`).

Column schemas:

- the result is a DataFrame with the schema's columns in schema order, keeping the input's
  index; a DataFrame that already matches (same columns, same order, same dtypes) is returned
  as is, without a copy;
- a missing required column is an error; a missing optional (``required=False``) column is
  left out of the result (not filled with missing values);
- columns the schema does not name are dropped and reported in
  :attr:`EnforcedInput.dropped_columns`, in input order (the caller decides whether to warn);
- a numpy array is matched to the columns by position: a 2-D array needs one array column per
  schema column (all named); a 1-D array feeds a one-column schema;
- unnamed column schemas match the input's columns by position.

Tensor schemas: the input becomes an ndarray (a DataFrame of numeric columns through
``to_numpy()``); its number of dimensions and every fixed (non ``-1``) dimension must match;
its dtype is kept when equal and cast when ``np.can_cast(..., casting="safe")`` allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from driftloop.errors import SignatureError
from driftloop.models._casting import (
    NUMPY_DTYPES,
    Range,
    cast_rule,
    check_numeric,
    convert_column,
)
from driftloop.models._inputs import to_model_input
from driftloop.models._values import OBJECT, frame_dtypes, is_plain_numeric, object_kind
from driftloop.models.signature import ColumnSpec, DataType, Schema, TensorSpec


@dataclass(frozen=True, slots=True, eq=False)
class EnforcedInput:
    """Model input that matches the signature.

    Attributes:
        data: What to give the model: a DataFrame for column schemas, an array for tensors.
        dropped_columns: Input columns the schema does not name, dropped, in input order.
    """

    data: pd.DataFrame | np.ndarray
    dropped_columns: tuple[str, ...]


def as_model_input(data: Any) -> pd.DataFrame | np.ndarray:
    """Normalize what ``predict`` accepts into a DataFrame or a numpy array.

    - a DataFrame or an ndarray (any number of dimensions, at least one) is returned as is;
    - a named Series becomes a one-column DataFrame; an unnamed Series becomes a 1-D array
      (one value per row: a one-column or 1-D tensor input, never one record);
    - a dict of columns (``{"a": [1, 2], "b": [3, 4]}``) and a list of records
      (``[{"a": 1, "b": 3}, ...]``, missing keys become missing values) become DataFrames;
    - a dict of scalars (``{"a": 1, "b": 3}``) becomes a one-row DataFrame.

    Raises:
        SignatureError: Anything else (``field="data"``), e.g. a list of lists, a scalar, a
            dict mixing lists and scalars, or columns of different lengths.
    """
    return to_model_input(data, "data")


def enforce_signature(data: Any, schema: Schema) -> EnforcedInput:
    """Check ``data`` against ``schema`` and convert it to exactly what the model expects.

    Args:
        data: Anything :func:`as_model_input` accepts.
        schema: The model signature's ``inputs``.

    Returns:
        The conforming input and the names of the columns that were dropped.

    Raises:
        SignatureError: A required column is missing, a column's values cannot be cast
            safely, an integer or boolean column has missing values, or a tensor has the wrong
            shape or dtype. ``field`` names the column (``"data"`` for tensors and shapes).
    """
    model_input = to_model_input(data, "data")
    if schema.tensor is not None:
        return EnforcedInput(_enforce_tensor(model_input, schema.tensor), ())
    plan = _plan_for(schema)
    if not plan.names:
        return EnforcedInput(_enforce_positional(model_input, plan), ())
    if isinstance(model_input, np.ndarray):
        model_input = _frame_from_array(model_input, plan)
    return _enforce_named(model_input, plan)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What enforcing one column schema needs, computed once per schema."""

    specs: tuple[ColumnSpec, ...]
    names: tuple[str, ...]
    index: pd.Index
    dtypes: tuple[np.dtype[Any] | None, ...]  # numpy dtype of numeric and boolean columns
    uniform: DataType | None  # the one numeric type of all the columns, if they share one

    @classmethod
    def build(cls, schema: Schema) -> _Plan:
        types = {spec.type for spec in schema.columns}
        uniform = types.pop() if len(types) == 1 else None
        return cls(
            specs=schema.columns,
            names=schema.column_names,
            index=pd.Index(schema.column_names),
            dtypes=tuple(NUMPY_DTYPES.get(spec.type) for spec in schema.columns),
            uniform=uniform if uniform in _NUMBERS else None,
        )


_NUMBERS = frozenset({DataType.INTEGER, DataType.LONG, DataType.FLOAT, DataType.DOUBLE})
_PLANS: dict[int, tuple[Schema, _Plan]] = {}
_MAX_PLANS = 256


def _plan_for(schema: Schema) -> _Plan:
    # Keyed by identity (hashing a wide schema on every call costs more than enforcing it);
    # the stored schema keeps its id from being reused while the entry lives.
    cached = _PLANS.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    plan = _Plan.build(schema)
    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    _PLANS[id(schema)] = (schema, plan)
    return plan


def _enforce_named(frame: pd.DataFrame, plan: _Plan) -> EnforcedInput:
    dtypes = frame_dtypes(frame)
    if (
        len(dtypes) == len(plan.specs)
        and frame.columns.equals(plan.index)
        and all(_fits(frame, i, dtype, plan) for i, dtype in enumerate(dtypes))
    ):
        return EnforcedInput(frame, ())
    present, dropped = _locate(frame.columns, plan)
    result = _enforce_uniform(frame, dtypes, plan, present)
    if result is None:
        result = _enforce_each(frame, present)
    return EnforcedInput(result, dropped)


def _fits(frame: pd.DataFrame, position: int, dtype: Any, plan: _Plan) -> bool:
    """Whether column ``position`` already has exactly the type the schema asks for."""
    expected = plan.dtypes[position]
    if expected is not None:
        return bool(dtype == expected)
    target = plan.specs[position].type
    if target is DataType.DATETIME:
        return bool(dtype.kind == "M")
    if target is DataType.STRING and isinstance(dtype, pd.StringDtype):
        return True
    if dtype != OBJECT:
        return False
    allowed = {"string", "empty"} if target is DataType.STRING else {"bytes", "empty"}
    return object_kind(frame.iloc[:, position]) in allowed


def _locate(
    columns: pd.Index, plan: _Plan
) -> tuple[tuple[tuple[ColumnSpec, int], ...], tuple[str, ...]]:
    """Where each schema column is in the input, and the input columns to drop."""
    labels = columns.tolist()
    where: dict[Any, int] = {}
    repeated = set()
    for position, label in enumerate(labels):
        if label in where:
            repeated.add(label)
        where.setdefault(label, position)
    missing = [spec for spec in plan.specs if spec.name not in where and spec.required]
    if missing:
        raise _missing_columns(missing)
    present = tuple((spec, where[spec.name]) for spec in plan.specs if spec.name in where)
    for spec, _ in present:
        if spec.name in repeated:
            raise SignatureError(
                f"input has more than one column named {spec.name!r}", field=spec.name
            )
    names = set(plan.names)
    dropped = tuple(str(label) for label in labels if label not in names)
    return present, dropped


def _missing_columns(missing: list[ColumnSpec]) -> SignatureError:
    listed = ", ".join(f"{spec.name!r} ({spec.type.value})" for spec in missing)
    noun = "column" if len(missing) == 1 else "columns"
    return SignatureError(
        f"input is missing {noun} {listed} required by the model signature",
        field=missing[0].name,
    )


def _enforce_uniform(
    frame: pd.DataFrame,
    dtypes: list[Any],
    plan: _Plan,
    present: tuple[tuple[ColumnSpec, int], ...],
) -> pd.DataFrame | None:
    """Fast path for all-numeric input to a schema of one numeric type: one 2-D block.

    Returns ``None`` (use the per-column path) when the input has non-numeric columns or when
    numpy's common dtype of the frame would hide integer values from the exact range checks.
    """
    target = plan.uniform
    if target is None or not all(is_plain_numeric(dtype) for dtype in dtypes):
        return None
    expected = NUMPY_DTYPES[target]
    block = frame.to_numpy()
    if expected.kind == "i" and block.dtype.kind not in "iu":
        return None
    positions = [position for _, position in present]
    values = block[:, positions]
    ranged: list[int] = []
    limits: Range | None = None
    for column, (spec, position) in enumerate(present):
        rule = cast_rule(dtypes[position], target)
        if isinstance(rule, str):
            check_numeric(str(spec.name), target, dtypes[position], values[:, column])
        elif rule is not None:
            ranged.append(column)
            limits = rule
    # One vectorized range check over every column that needs one (the range depends on the
    # target only); the per-column check then finds the culprit for the message.
    if limits is not None:
        subset = values[:, ranged]
        # Two reductions beat two comparisons against Python ints; no NaN can be here, since
        # only integer columns need a range check.
        if subset.size and (subset.min() < limits.low or subset.max() > limits.high):
            for column in ranged:
                spec, position = present[column]
                check_numeric(str(spec.name), target, dtypes[position], values[:, column])
    names = (
        plan.index if len(present) == len(plan.specs) else pd.Index([s.name for s, _ in present])
    )
    return pd.DataFrame(
        values.astype(expected, copy=False), columns=names, index=frame.index, copy=False
    )


def _enforce_each(frame: pd.DataFrame, present: tuple[tuple[ColumnSpec, int], ...]) -> pd.DataFrame:
    converted: dict[str, Any] = {}
    changed = False
    for spec, position in present:
        column = frame.iloc[:, position]
        values = convert_column(str(spec.name), spec.type, column)
        changed = changed or values is not column
        converted[str(spec.name)] = values
    if not changed:
        return frame.take([position for _, position in present], axis=1)
    return pd.DataFrame(converted, index=frame.index, copy=False)


def _frame_from_array(array: np.ndarray, plan: _Plan) -> pd.DataFrame:
    width = len(plan.specs)
    if array.ndim == 1 and width == 1:
        return pd.DataFrame({plan.names[0]: array}, copy=False)
    if array.ndim == 2 and array.shape[1] == width:
        return pd.DataFrame(array, columns=plan.index, copy=False)
    raise SignatureError(
        f"a numpy array is matched to the signature's columns by position: expected shape "
        f"(n, {width}) for columns {', '.join(map(repr, plan.names))}, got {array.shape}",
        field="data",
    )


def _enforce_positional(model_input: pd.DataFrame | np.ndarray, plan: _Plan) -> pd.DataFrame:
    frame = model_input
    if isinstance(frame, np.ndarray):
        if frame.ndim > 2:
            raise SignatureError(
                f"expected a 1-D or 2-D array, got shape {frame.shape}", field="data"
            )
        frame = pd.DataFrame(frame, copy=False)
    if frame.shape[1] != len(plan.specs):
        raise SignatureError(
            f"expected {len(plan.specs)} columns (matched by position), got {frame.shape[1]}",
            field="data",
        )
    columns = [frame.iloc[:, position] for position in range(len(plan.specs))]
    converted = [
        convert_column(str(position), spec.type, column)
        for position, (spec, column) in enumerate(zip(plan.specs, columns, strict=True))
    ]
    if all(values is column for values, column in zip(converted, columns, strict=True)):
        return frame
    result = pd.DataFrame(dict(enumerate(converted)), index=frame.index, copy=False)
    result.columns = frame.columns
    return result


def _enforce_tensor(model_input: pd.DataFrame | np.ndarray, spec: TensorSpec) -> np.ndarray:
    array = model_input if isinstance(model_input, np.ndarray) else _frame_to_array(model_input)
    expected = spec.shape
    if len(expected) != array.ndim or any(
        size not in {-1, actual} for size, actual in zip(expected, array.shape, strict=True)
    ):
        raise SignatureError(
            f"tensor input: expected shape {expected}, got {array.shape}", field="data"
        )
    target = np.dtype(spec.dtype)
    if array.dtype == target:
        return array
    if np.can_cast(array.dtype, target, casting="safe"):
        return array.astype(target)
    raise SignatureError(
        f"tensor input: expected dtype {target.name}, got {array.dtype.name}, which cannot be "
        "cast to it safely",
        field="data",
    )


def _frame_to_array(frame: pd.DataFrame) -> np.ndarray:
    for label, dtype in zip(frame.columns, frame_dtypes(frame), strict=True):
        if not (isinstance(dtype, np.dtype) and dtype.kind in "biuf"):
            raise SignatureError(
                f"a tensor signature takes numeric input, but column {label!r} is {dtype}",
                field="data",
            )
    array: np.ndarray = frame.to_numpy()
    return array
