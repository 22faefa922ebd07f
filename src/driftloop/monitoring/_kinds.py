"""Column kinds and how a column's kind is inferred from its dtype and values.

Rules, in order:

* bool dtypes (numpy ``bool``, pandas ``boolean``) -> boolean;
* pandas ``category`` and string dtypes -> categorical (keys are ``str(value)``);
* integer, unsigned and float dtypes (numpy, pandas nullable, Arrow) -> numeric;
* ``datetime64`` (naive or tz-aware) and ``timedelta64`` -> numeric, as seconds since the Unix
  epoch (UTC) and seconds respectively, so their bins, moments and sample are floats;
* ``object`` columns by their non-missing values: all strings -> categorical, all booleans ->
  boolean, all real numbers -> numeric, none at all -> categorical. Any other mix (numbers and
  strings, for example) raises :class:`~driftloop.errors.ProfileError` naming the column;
* anything else (complex, period, interval, bytes...) raises
  :class:`~driftloop.errors.ProfileError`.
"""

from __future__ import annotations

import decimal
import enum
import numbers
from typing import Any, TypeAlias

import numpy as np
import pandas as pd  # no pandas-stubs yet
from numpy.typing import NDArray
from pandas.api.types import infer_dtype

from driftloop.errors import ProfileError

ColumnValues: TypeAlias = NDArray[Any] | pd.Series
"""One column as handed to the profiler: a 1-D numpy array or a pandas Series."""

_OBJECT_KINDS = {
    "string": "categorical",
    "empty": "categorical",
    "boolean": "boolean",
    "integer": "numeric",
    "floating": "numeric",
    "mixed-integer-float": "numeric",
    "decimal": "numeric",
}


class ColumnKind(enum.StrEnum):
    """What a column holds, which decides the sketch the profile keeps for it.

    Inferred from the dtype: bool -> boolean; int, uint, float -> numeric; datetime64 and
    timedelta64 -> numeric, in seconds since the Unix epoch (UTC) and seconds; string and
    category -> categorical; ``object`` by its values (strings, booleans or numbers; a mix of
    numbers and strings is refused with :class:`~driftloop.errors.ProfileError`).
    """

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"


def infer_kind(values: ColumnValues, *, name: str, field: str) -> ColumnKind:
    """The kind of one column (see the module docstring for the rules).

    Args:
        values: The column.
        name: The column's name, quoted in error messages.
        field: The argument or column the error's ``field`` names.

    Raises:
        ProfileError: The column mixes value types or has a dtype that cannot be profiled.
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return ColumnKind.CATEGORICAL
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnKind.BOOLEAN
    if isinstance(dtype, pd.StringDtype):
        return ColumnKind.CATEGORICAL
    if pd.api.types.is_complex_dtype(dtype):
        raise ProfileError(
            f"column {name!r} holds complex numbers, which are not profiled", field=field
        )
    if (
        pd.api.types.is_numeric_dtype(dtype)
        or pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
    ):
        return ColumnKind.NUMERIC
    if dtype == np.dtype(object):
        return _infer_object_kind(values, name=name, field=field)
    if pd.api.types.is_string_dtype(dtype):
        return ColumnKind.CATEGORICAL
    raise ProfileError(f"column {name!r} has dtype {dtype!s}, which is not profiled", field=field)


def _infer_object_kind(values: ColumnValues, *, name: str, field: str) -> ColumnKind:
    inferred = infer_dtype(values, skipna=True)
    if inferred in _OBJECT_KINDS:
        return ColumnKind(_OBJECT_KINDS[inferred])
    # A slow look at every non-missing value, only for columns pandas calls mixed: it also
    # rescues columns whose missing markers pandas does not skip (NaT among strings).
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    classes = {_value_class(value) for value in series[series.notna()].tolist()}
    if len(classes) == 1 and (only := next(iter(classes))) in {"string", "boolean", "number"}:
        return {"string": ColumnKind.CATEGORICAL, "boolean": ColumnKind.BOOLEAN}.get(
            only, ColumnKind.NUMERIC
        )
    found = ", ".join(sorted(classes))
    if {"number", "string"} <= classes:
        raise ProfileError(
            f"column {name!r} mixes numbers and strings ({found}); "
            "convert it to one type before profiling",
            field=field,
        )
    raise ProfileError(
        f"column {name!r} holds values of several or unsupported types ({found}); "
        "profiles take numbers, strings or booleans",
        field=field,
    )


def _value_class(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "boolean"
    if isinstance(value, numbers.Real | decimal.Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__
