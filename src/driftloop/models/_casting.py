"""Casting one column to its signature type, safely or not at all.

The rule: a value is never changed. A cast is made when every value survives it exactly;
otherwise the column is refused with a :class:`~driftloop.errors.SignatureError` naming it.

- integer → integer: always when numpy calls it safe, else when every value is in range;
- integer → float/double: always when the float type holds every value of the integer type
  (int8..int32 and uint8..uint32 → double, int8/int16/uint8/uint16 → float), else when every
  value is below 2**53 (double) or 2**24 (float) in magnitude, where every integer is exact
  (numpy calls int64 → float64 "safe"; it is not);
- float → double: yes; double → float: no (precision);
- float → integer/long: never, not even whole numbers (MLflow's rule); a float column with
  missing values gets a message saying so, since that is how pandas stores ints with gaps;
- boolean ↔ numbers: never; strings → numbers: never (not parsed); numbers → string: never;
- missing values: refused in boolean/integer/long columns (numpy cannot hold them), allowed in
  float/double (NaN), string, binary and datetime columns;
- datetime: any datetime64 unit or timezone is kept; strings and datetime objects are parsed
  as ISO 8601 (``pd.to_datetime(format="ISO8601")``); numbers are refused.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from driftloop.errors import SignatureError
from driftloop.models._values import (
    OBJECT,
    describe,
    describe_object,
    is_extension_numeric,
    object_kind,
    unwrap_categorical,
)
from driftloop.models.signature import DataType

NUMPY_DTYPES: dict[DataType, np.dtype[Any]] = {
    DataType.BOOLEAN: np.dtype(np.bool_),
    DataType.INTEGER: np.dtype(np.int32),
    DataType.LONG: np.dtype(np.int64),
    DataType.FLOAT: np.dtype(np.float32),
    DataType.DOUBLE: np.dtype(np.float64),
}
"""The numpy dtype a numeric or boolean column is given to the model as."""

ColumnValues: TypeAlias = pd.Series | np.ndarray
_PARSED_AS_DATES = frozenset({"string", "datetime", "datetime64", "date", "empty"})
_FLOATS = frozenset({"floating", "mixed-integer-float", "empty"})


def type_label(target: DataType) -> str:
    """``long (int64)`` for numeric types, the bare name for the others."""
    dtype = NUMPY_DTYPES.get(target)
    if dtype is None or target is DataType.BOOLEAN:
        return target.value
    return f"{target.value} ({dtype.name})"


def mismatch(name: str, target: DataType, found: str, reason: str) -> SignatureError:
    """The error for a column whose values cannot become ``target``."""
    return SignatureError(
        f"column {name!r} expects {type_label(target)} but got {found}: {reason}", field=name
    )


def convert_column(name: str, target: DataType, values: pd.Series) -> ColumnValues:
    """``values`` as ``target``: the same Series when it already fits, else converted values.

    Raises:
        SignatureError: The values cannot be converted without changing them.
    """
    values = unwrap_categorical(values)
    if target in NUMPY_DTYPES:
        return _to_numeric(name, target, values)
    dtype = values.dtype
    if target is DataType.DATETIME:
        return _to_datetime(name, values)
    if target is DataType.STRING:
        if isinstance(dtype, pd.StringDtype) or (
            dtype == OBJECT and object_kind(values) in {"string", "empty"}
        ):
            return values
    elif dtype == OBJECT and object_kind(values) in {"bytes", "empty"}:
        return values
    raise mismatch(name, target, describe(values), _reason(target, values))


def cast_array(
    name: str, target: DataType, values: np.ndarray, found: str | None = None
) -> np.ndarray:
    """A numpy bool/int/float array as ``target``'s dtype, if no value changes."""
    expected = NUMPY_DTYPES[target]
    if values.dtype == expected:
        return values
    check_numeric(name, target, values.dtype, values, found)
    return values.astype(expected)


@dataclass(frozen=True, slots=True)
class Range:
    """A cast that is exact for the values in ``[low, high]``."""

    low: int
    high: int
    reason: str


_FLOAT_TO_INT = "floating-point values are never cast to integers"


@functools.cache
def cast_rule(source: np.dtype[Any], target: DataType) -> str | Range | None:
    """How numpy ``source`` values may become ``target``, decided once per pair of types.

    Returns:
        ``None`` when every value casts exactly, a :class:`Range` when only values within it
        do, or the reason the cast is never made.
    """
    expected = NUMPY_DTYPES[target]
    if source == expected:
        return None
    if expected.kind == "b":
        return "numbers are never cast to booleans"
    if source.kind == "b":
        return "booleans are never cast to numbers"
    if source.kind == "f":
        if expected.kind == "f" and source.itemsize <= expected.itemsize:
            return None
        if expected.kind == "f":
            return f"{type_label(target)} would lose precision"
        return _FLOAT_TO_INT
    if expected.kind == "f":
        # numpy calls int64 -> float64 "safe"; it is not: 2**53 + 1 has no float64.
        digits = np.finfo(expected).nmant + 1
        if np.iinfo(source).bits <= digits:
            return None
        reason = f"{type_label(target)} cannot represent integers beyond ±2**{digits} exactly"
        return Range(low=1 - 2**digits, high=2**digits - 1, reason=reason)
    if np.can_cast(source, expected, casting="safe"):
        return None
    info = np.iinfo(expected)
    return Range(
        int(info.min), int(info.max), f"values outside [{info.min}, {info.max}] do not fit"
    )


def check_numeric(
    name: str,
    target: DataType,
    source: np.dtype[Any],
    values: np.ndarray,
    found: str | None = None,
) -> None:
    """Refuse casting ``source`` values to ``target`` unless every value survives it.

    ``values`` holds the column (or several columns) in ``source`` dtype or, for integer
    sources, already converted to an integer or float64 array: the range checks give the same
    answer on both, since integers below 2**53 convert exactly. ``found`` describes the input
    in messages (default: the source dtype).
    """
    rule = cast_rule(source, target)
    if rule is None:
        return
    if isinstance(rule, str):
        if rule == _FLOAT_TO_INT:
            raise _float_refusal(name, target, values, found or str(source))
        raise mismatch(name, target, found or str(source), rule)
    bad = (values < rule.low) | (values > rule.high)
    if bad.any():
        example = values[bad].flat[0].item()
        raise mismatch(name, target, found or str(source), f"{rule.reason} (e.g. {example!r})")


def _float_refusal(name: str, target: DataType, values: np.ndarray, found: str) -> SignatureError:
    missing = np.isnan(values)
    whole = np.all(np.mod(values[~missing], 1) == 0)
    if missing.any() and whole:
        return _missing_error(name, target, found, int(missing.sum()))
    if whole:
        return mismatch(
            name,
            target,
            found,
            f"{_FLOAT_TO_INT}, even whole ones; cast the column yourself if that is intended",
        )
    example = values[~missing][np.mod(values[~missing], 1) != 0][0].item()
    return mismatch(name, target, found, f"{_FLOAT_TO_INT} (e.g. {example!r})")


def _missing_error(name: str, target: DataType, found: str, count: int) -> SignatureError:
    noun = "value" if count == 1 else "values"
    return mismatch(
        name,
        target,
        f"{found} with {count} missing {noun}",
        f"{target.value} columns cannot hold missing values",
    )


def _to_numeric(name: str, target: DataType, values: pd.Series) -> ColumnValues:
    dtype = values.dtype
    if dtype == NUMPY_DTYPES[target]:
        return values
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        return cast_array(name, target, values.to_numpy())
    if is_extension_numeric(dtype):
        if dtype.kind == "f":
            as_floats = values.to_numpy(dtype=dtype.numpy_dtype, na_value=np.nan)
            return cast_array(name, target, as_floats, str(dtype))
        if values.hasnans:
            return _with_missing(name, target, values, str(dtype), is_int=dtype.kind in "iu")
        return cast_array(name, target, values.to_numpy(dtype=dtype.numpy_dtype), str(dtype))
    if dtype == OBJECT:
        return _object_to_numeric(name, target, values)
    raise mismatch(name, target, describe(values), _reason(target, values))


def _object_to_numeric(name: str, target: DataType, values: pd.Series) -> ColumnValues:
    kind = object_kind(values)
    found = describe_object(kind)
    if kind == "integer" and values.hasnans:
        return _with_missing(name, target, values, found, is_int=True)
    if kind == "integer":
        try:
            as_ints = np.asarray(values, dtype=np.int64)
        except OverflowError:
            raise mismatch(name, target, found, "integers beyond the int64 range") from None
        return cast_array(name, target, as_ints, found)
    if kind in _FLOATS:
        return cast_array(name, target, np.asarray(values, dtype=np.float64), found)
    if kind == "boolean" and not values.hasnans:
        return cast_array(name, target, np.asarray(values, dtype=np.bool_), found)
    if kind == "boolean":
        return _with_missing(name, target, values, found, is_int=False)
    raise mismatch(name, target, found, _reason(target, values))


def _with_missing(
    name: str, target: DataType, values: pd.Series, found: str, *, is_int: bool
) -> np.ndarray:
    """Nullable integers (or booleans) with missing values: only float targets take them."""
    expected = NUMPY_DTYPES[target]
    if expected.kind != "f":
        raise _missing_error(name, target, found, int(values.isna().sum()))
    if not is_int:
        raise mismatch(name, target, found, "booleans are never cast to numbers")
    as_floats: np.ndarray = values.to_numpy(dtype=np.float64, na_value=np.nan)
    check_numeric(name, target, np.dtype(np.int64), as_floats, found)
    return as_floats.astype(expected, copy=False)


def _to_datetime(name: str, values: pd.Series) -> ColumnValues:
    dtype = values.dtype
    if dtype.kind == "M":
        return values
    parseable = isinstance(dtype, pd.StringDtype) or (
        dtype == OBJECT and object_kind(values) in _PARSED_AS_DATES
    )
    if not parseable:
        raise mismatch(
            name, DataType.DATETIME, describe(values), _reason(DataType.DATETIME, values)
        )
    try:
        return pd.to_datetime(values, format="ISO8601")
    except (ValueError, TypeError, OverflowError) as error:
        raise mismatch(
            name, DataType.DATETIME, describe(values), "its values are not ISO 8601 dates"
        ) from error


def _reason(target: DataType, values: pd.Series) -> str:
    dtype = values.dtype
    textual = isinstance(dtype, pd.StringDtype) or (
        dtype == OBJECT and object_kind(values) == "string"
    )
    numeric = dtype.kind in "iuf" or (dtype == OBJECT and object_kind(values) in _FLOATS)
    if target in NUMPY_DTYPES and textual:
        return "strings are never parsed as numbers"
    if target in {DataType.STRING, DataType.BINARY} and numeric:
        return f"numbers are never converted to {target.value}"
    return f"these values cannot become {target.value} without changing them"
