"""Turning what a user passes into named 1-D columns, and columns into the arrays sketches use.

Accepted data: a pandas DataFrame, a mapping of column name to a 1-D array-like, a 2-D numpy
array (columns named ``"0"``, ``"1"``... by position) or a 1-D numpy structured array (columns
named by its fields). Column names are turned into strings; two columns whose names are equal as
strings are refused. Rows are matched by position; pandas indexes are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd  # no pandas-stubs yet
from numpy.typing import NDArray

from driftloop.errors import InvalidParameterError, ProfileError
from driftloop.monitoring._kinds import ColumnValues

NamedColumn = tuple[str, ColumnValues]


def columns_of(data: object) -> tuple[int, list[NamedColumn]]:
    """The row count and named columns of ``data``.

    Raises:
        ProfileError: ``data`` is of an unsupported type or shape, has duplicate column names,
            or its columns differ in length.
    """
    if isinstance(data, pd.DataFrame):
        names = [str(name) for name in data.columns]
        frame_columns = [data.iloc[:, position] for position in range(data.shape[1])]
        return len(data), _checked(names, frame_columns)
    if isinstance(data, np.ndarray):
        return _array_columns(data)
    if isinstance(data, Mapping):
        names = [str(name) for name in data]
        columns = [
            one_dimensional(value, field=name)
            for name, value in zip(names, data.values(), strict=True)
        ]
        lengths = {len(column) for column in columns}
        if len(lengths) > 1:
            raise ProfileError(
                f"columns differ in length ({', '.join(map(str, sorted(lengths)))} rows)",
                field="data",
            )
        return (lengths.pop() if lengths else 0), _checked(names, columns)
    raise ProfileError(
        f"cannot profile a {type(data).__name__}; pass a pandas DataFrame, a mapping of column "
        "name to values, or a 2-D numpy array",
        field="data",
    )


def _array_columns(data: NDArray[Any]) -> tuple[int, list[NamedColumn]]:
    if data.dtype.names is not None:
        if data.ndim != 1:
            raise ProfileError("a structured array must be one-dimensional", field="data")
        names = [str(name) for name in data.dtype.names]
        columns = [one_dimensional(data[name], field=str(name)) for name in data.dtype.names]
        return len(data), _checked(names, columns)
    if data.ndim != 2:
        raise ProfileError(
            f"a numpy array must be 2-D (rows x columns), got {data.ndim}-D", field="data"
        )
    columns = [data[:, position] for position in range(data.shape[1])]
    return data.shape[0], [(str(position), column) for position, column in enumerate(columns)]


def _checked(names: list[str], columns: Sequence[ColumnValues]) -> list[NamedColumn]:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ProfileError(f"column name {name!r} appears twice", field=name)
        seen.add(name)
    return list(zip(names, columns, strict=True))


def one_dimensional(values: object, *, field: str) -> ColumnValues:
    """``values`` as a 1-D numpy array or Series; an ``(n, 1)`` array is flattened.

    Raises:
        ProfileError: ``values`` is a scalar, a mapping or not one-dimensional.
    """
    if isinstance(values, pd.Series | np.ndarray):
        column: ColumnValues = values
    elif isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise ProfileError(
            f"{field!r} must be a 1-D array-like, got {type(values).__name__}", field=field
        )
    else:
        try:
            column = pd.Series(values)
        except (TypeError, ValueError) as error:
            raise ProfileError(f"{field!r} must be a 1-D array-like", field=field) from error
    if isinstance(column, np.ndarray) and column.ndim == 2 and column.shape[1] == 1:
        column = column[:, 0]
    if column.ndim != 1:
        raise ProfileError(
            f"{field!r} must be one-dimensional, got shape {column.shape}", field=field
        )
    return column


def aligned(values: object, *, field: str, row_count: int) -> ColumnValues:
    """A 1-D ``target`` or ``predictions`` argument with one value per row.

    Raises:
        InvalidParameterError: It is not 1-D or its length differs from ``row_count``.
    """
    try:
        column = one_dimensional(values, field=field)
    except ProfileError as error:
        raise InvalidParameterError(error.message, field=field) from error
    if len(column) != row_count:
        raise InvalidParameterError(
            f"{field!r} has {len(column)} values but the data has {row_count} rows", field=field
        )
    return column


def to_float64(values: ColumnValues) -> tuple[NDArray[np.float64], bool]:
    """A numeric column as contiguous-or-not float64, missing values as NaN.

    Datetimes become seconds since the Unix epoch (UTC), timedeltas seconds.

    Returns:
        The floats and whether they are a fresh buffer that the caller may reorder in place
        (never the user's own memory).
    """
    dtype = values.dtype
    floats: NDArray[np.float64]
    if pd.api.types.is_datetime64_any_dtype(dtype):
        series = pd.Series(values, copy=False)
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        instants = series.to_numpy()  # datetime64 in the column's own unit, NaT kept
        floats = (instants - np.datetime64(0, "s")) / np.timedelta64(1, "s")
        return floats, True
    if pd.api.types.is_timedelta64_dtype(dtype):
        spans = pd.Series(values, copy=False).to_numpy()
        floats = spans / np.timedelta64(1, "s")
        return floats, True
    if isinstance(dtype, np.dtype) and dtype.kind in "iuf":
        raw = values if isinstance(values, np.ndarray) else values.to_numpy()
        if dtype == np.float64 and not raw.flags.c_contiguous:
            return np.ascontiguousarray(raw), True
        # Any other numpy dtype is converted, which always allocates.
        return np.asarray(raw, dtype=np.float64), dtype != np.float64
    series = pd.Series(values, copy=False)
    if dtype == np.dtype(object):
        series = pd.to_numeric(series)
    floats = series.to_numpy(dtype=np.float64, na_value=np.nan)
    return floats, False


def to_series(values: ColumnValues) -> pd.Series:
    """A column as a Series without copying when it already is one."""
    return values if isinstance(values, pd.Series) else pd.Series(values, copy=False)
