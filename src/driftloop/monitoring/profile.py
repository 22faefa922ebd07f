"""The reference data profile a model carries for drift monitoring.

:func:`build_profile` summarises a training set (features, and optionally the target and the
model's predictions) column by column, in a few vectorised passes and with no I/O: kind, counts,
missing rate, a numeric or categorical sketch and a bounded uniform sample. The result is a
frozen :class:`DatasetProfile` that round-trips exactly through strict JSON, so drift monitoring
can later compare live data with training data without reloading the training set.

Conventions:

* ``count`` is the number of values in the column (its row count, missing ones included);
  ``missing_rate`` is ``missing_count / count``, and ``0.0`` for a column with no rows.
* The sample holds up to ``sample_size`` non-missing values drawn uniformly without
  replacement, kept in data order: floats for numeric columns (finite ones only), strings for
  categorical columns, bools for boolean columns. It depends only on ``seed``, the column's
  name and its values.
* Numeric and categorical details: see :class:`NumericSketch` and :class:`CategoricalSketch`
  (their modules document infinities, ties and constant columns); kind inference rules, including
  datetimes (seconds since the epoch) and object columns, are in :class:`ColumnKind`'s module.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from driftloop._version import __version__
from driftloop.errors import FormatVersionWarning, InvalidParameterError, ProfileError
from driftloop.monitoring._categorical_sketch import (
    CategoricalSketch,
    CategoricalSummary,
    categorical_sketch_from_dict,
    categorical_sketch_to_dict,
    sketch_boolean,
    sketch_categorical,
)
from driftloop.monitoring._fields import (
    as_count,
    as_float,
    as_list,
    as_mapping,
    as_str,
    child,
    malformed,
    require,
)
from driftloop.monitoring._inputs import aligned, columns_of, to_float64, to_series
from driftloop.monitoring._kinds import ColumnKind, ColumnValues, infer_kind
from driftloop.monitoring._numeric_sketch import (
    NumericSketch,
    NumericSummary,
    numeric_sketch_from_dict,
    numeric_sketch_to_dict,
    sketch_numeric,
)
from driftloop.monitoring._sampling import column_rng

__all__ = [
    "PROFILE_FORMAT_VERSION",
    "CategoricalSketch",
    "ColumnKind",
    "ColumnProfile",
    "DatasetProfile",
    "NumericSketch",
    "build_profile",
]

PROFILE_FORMAT_VERSION: int = 1
"""Version of the profile's serialized layout; bumped on incompatible changes."""


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    """Summary of one column.

    Attributes:
        name: Column name (always a string).
        kind: Numeric, categorical or boolean.
        count: Values in the column, missing ones included.
        missing_count: Missing values (None, NaN, ``pd.NA``, NaT); infinities are not missing.
        missing_rate: ``missing_count / count``, ``0.0`` when ``count`` is 0.
        numeric: The sketch of a numeric column, else None.
        categorical: The sketch of a categorical column, or of a boolean one with the keys
            ``"true"`` and ``"false"``, else None.
        sample: Up to ``sample_size`` non-missing values drawn uniformly, in data order.
    """

    name: str
    kind: ColumnKind
    count: int
    missing_count: int
    missing_rate: float
    numeric: NumericSketch | None
    categorical: CategoricalSketch | None
    sample: tuple[Any, ...]

    def to_dict(self) -> dict[str, Any]:
        """The column as JSON-ready data."""
        return {
            "name": self.name,
            "kind": self.kind.value,
            "count": self.count,
            "missing_count": self.missing_count,
            "missing_rate": self.missing_rate,
            "numeric": None if self.numeric is None else numeric_sketch_to_dict(self.numeric),
            "categorical": (
                None if self.categorical is None else categorical_sketch_to_dict(self.categorical)
            ),
            "sample": list(self.sample),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, path: str = "") -> ColumnProfile:
        """Parse :meth:`to_dict` output; ``path`` prefixes the fields named in errors.

        Raises:
            ProfileError: A field is missing, mistyped or inconsistent with the kind.
        """
        kind_path = child(path, "kind")
        kind_text = as_str(require(data, "kind", path), kind_path)
        if kind_text not in ColumnKind.__members__.values():
            raise malformed(kind_path, "one of " + ", ".join(kind.value for kind in ColumnKind))
        kind = ColumnKind(kind_text)
        count = as_count(require(data, "count", path), child(path, "count"))
        missing_count = as_count(require(data, "missing_count", path), child(path, "missing_count"))
        if missing_count > count:
            raise malformed(child(path, "missing_count"), "at most 'count'")
        numeric_data = require(data, "numeric", path)
        categorical_data = require(data, "categorical", path)
        numeric_path, categorical_path = child(path, "numeric"), child(path, "categorical")
        if (numeric_data is None) != (kind is not ColumnKind.NUMERIC):
            raise malformed(
                numeric_path, f"{'an object' if kind is ColumnKind.NUMERIC else 'null'}"
            )
        if (categorical_data is None) != (kind is ColumnKind.NUMERIC):
            raise malformed(categorical_path, "null" if kind is ColumnKind.NUMERIC else "an object")
        return cls(
            name=as_str(require(data, "name", path), child(path, "name")),
            kind=kind,
            count=count,
            missing_count=missing_count,
            missing_rate=as_float(require(data, "missing_rate", path), child(path, "missing_rate")),
            numeric=(
                None
                if numeric_data is None
                else numeric_sketch_from_dict(as_mapping(numeric_data, numeric_path), numeric_path)
            ),
            categorical=(
                None
                if categorical_data is None
                else categorical_sketch_from_dict(
                    as_mapping(categorical_data, categorical_path), categorical_path
                )
            ),
            sample=_parse_sample(require(data, "sample", path), kind, child(path, "sample")),
        )


def _parse_sample(value: object, kind: ColumnKind, path: str) -> tuple[Any, ...]:
    items = as_list(value, path)
    if kind is ColumnKind.NUMERIC:
        return tuple(as_float(item, f"{path}[{index}]") for index, item in enumerate(items))
    expected = bool if kind is ColumnKind.BOOLEAN else str
    for index, item in enumerate(items):
        if not isinstance(item, expected):
            raise malformed(f"{path}[{index}]", f"a {expected.__name__} in a {kind} column")
    return tuple(items)


@dataclass(frozen=True, slots=True)
class DatasetProfile:
    """The reference profile of a data set: one :class:`ColumnProfile` per column.

    Attributes:
        row_count: Rows in the profiled data.
        columns: Feature columns, in the data's order.
        target: Profile of the target, when one was given.
        predictions: Profile of the model's predictions, when given.
        format_version: Serialized layout version (:data:`PROFILE_FORMAT_VERSION`).
        driftloop_version: The driftloop that built the profile.
    """

    row_count: int
    columns: tuple[ColumnProfile, ...]
    target: ColumnProfile | None
    predictions: ColumnProfile | None
    format_version: int = PROFILE_FORMAT_VERSION
    driftloop_version: str = __version__

    def column(self, name: str) -> ColumnProfile:
        """The feature column called ``name``.

        Raises:
            ProfileError: No feature column has that name.
        """
        for column in self.columns:
            if column.name == name:
                return column
        raise ProfileError(f"the profile has no column {name!r}", field=name)

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON-ready data, version-stamped."""
        return {
            "format_version": self.format_version,
            "driftloop_version": self.driftloop_version,
            "row_count": self.row_count,
            "columns": [column.to_dict() for column in self.columns],
            "target": None if self.target is None else self.target.to_dict(),
            "predictions": None if self.predictions is None else self.predictions.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetProfile:
        """Read :meth:`to_dict` output.

        Warns:
            FormatVersionWarning: The data was written with another format version.

        Raises:
            ProfileError: A field is missing or malformed; ``field`` names it.
        """
        data = as_mapping(data, "profile")
        version = as_count(require(data, "format_version", ""), "format_version")
        if version != PROFILE_FORMAT_VERSION:
            warnings.warn(
                f"profile format version {version} differs from this driftloop's "
                f"{PROFILE_FORMAT_VERSION}; reading may fail",
                FormatVersionWarning,
                stacklevel=2,
            )
        columns = tuple(
            ColumnProfile.from_dict(as_mapping(item, f"columns[{index}]"), path=f"columns[{index}]")
            for index, item in enumerate(as_list(require(data, "columns", ""), "columns"))
        )
        names = [column.name for column in columns]
        if len(set(names)) != len(names):
            raise malformed("columns", "named uniquely")
        return cls(
            row_count=as_count(require(data, "row_count", ""), "row_count"),
            columns=columns,
            target=_optional_column(data, "target"),
            predictions=_optional_column(data, "predictions"),
            format_version=version,
            driftloop_version=as_str(require(data, "driftloop_version", ""), "driftloop_version"),
        )

    def to_json(self) -> str:
        """The profile as strict JSON (no NaN or Infinity tokens)."""
        return json.dumps(self.to_dict(), allow_nan=False, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> DatasetProfile:
        """Read :meth:`to_json` output.

        Raises:
            ProfileError: The text is not strict JSON or not a valid profile.
        """
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except ValueError as error:
            raise ProfileError("the profile is not valid JSON", field="profile") from error
        return cls.from_dict(as_mapping(data, "profile"))


def _reject_constant(token: str) -> None:
    raise ValueError(f"{token} is not strict JSON")


def _optional_column(data: Mapping[str, Any], key: str) -> ColumnProfile | None:
    value = require(data, key, "")
    return None if value is None else ColumnProfile.from_dict(as_mapping(value, key), path=key)


def build_profile(
    data: object,
    *,
    target: object = None,
    predictions: object = None,
    bins: int = 10,
    top_k: int = 20,
    sample_size: int = 1000,
    seed: int = 42,
) -> DatasetProfile:
    """Profile ``data`` (and optionally the target and predictions) for drift monitoring.

    Args:
        data: A pandas DataFrame, a mapping of column name to 1-D array-like, a 2-D numpy array
            (columns named ``"0"``, ``"1"``... by position) or a 1-D structured array.
        target: Optional 1-D target values, one per row (named after a named Series, else
            ``"target"``).
        predictions: Optional 1-D model predictions, one per row (``"predictions"`` unless a
            named Series).
        bins: Quantile bins per numeric column (fewer when edges coincide).
        top_k: Most frequent values kept per categorical column.
        sample_size: Most values kept in each column's sample; 0 keeps none.
        seed: Seed of the sampling; the same seed and data give the same profile.

    Returns:
        The frozen profile.

    Raises:
        InvalidParameterError: A keyword argument is out of range, or ``target`` /
            ``predictions`` is not 1-D with one value per row.
        ProfileError: ``data`` cannot be profiled (``field`` names the column at fault).

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame(
        ...     {"age": [23, 35, None, 51], "city": ["Oslo", "Rome", "Oslo", None]}
        ... )
        >>> profile = build_profile(frame, bins=2, sample_size=2)
        >>> age = profile.column("age")
        >>> age.kind, age.missing_rate, age.numeric.bin_edges, age.numeric.bin_counts
        (<ColumnKind.NUMERIC: 'numeric'>, 0.25, (23.0, 35.0, 51.0), (1, 2))
        >>> dict(profile.column("city").categorical.frequencies)
        {'Oslo': 2, 'Rome': 1}
        >>> DatasetProfile.from_json(profile.to_json()) == profile
        True
    """
    _check_parameters(bins=bins, top_k=top_k, sample_size=sample_size, seed=seed)
    row_count, named_columns = columns_of(data)
    options = _Options(bins=bins, top_k=top_k, sample_size=sample_size, seed=seed)
    columns = tuple(
        _profile_column(values, name=name, role="feature", field=name, options=options)
        for name, values in named_columns
    )
    return DatasetProfile(
        row_count=row_count,
        columns=columns,
        target=_profile_extra(target, "target", row_count, options),
        predictions=_profile_extra(predictions, "predictions", row_count, options),
    )


@dataclass(frozen=True, slots=True)
class _Options:
    bins: int
    top_k: int
    sample_size: int
    seed: int


def _check_parameters(*, bins: int, top_k: int, sample_size: int, seed: int) -> None:
    for field, value, lowest in (
        ("bins", bins, 1),
        ("top_k", top_k, 1),
        ("sample_size", sample_size, 0),
        ("seed", seed, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < lowest:
            raise InvalidParameterError(
                f"{field} must be an integer >= {lowest}, got {value!r}", field=field
            )


def _profile_extra(
    values: object, role: str, row_count: int, options: _Options
) -> ColumnProfile | None:
    if values is None:
        return None
    column = aligned(values, field=role, row_count=row_count)
    series_name = getattr(column, "name", None)
    name = role if series_name is None else str(series_name)
    return _profile_column(column, name=name, role=role, field=role, options=options)


def _profile_column(
    values: ColumnValues, *, name: str, role: str, field: str, options: _Options
) -> ColumnProfile:
    kind = infer_kind(values, name=name, field=field)
    rng = column_rng(int(options.seed), role, name)
    summary: NumericSummary | CategoricalSummary
    if kind is ColumnKind.NUMERIC:
        floats, owned = to_float64(values)
        summary = sketch_numeric(
            floats, bins=int(options.bins), sample_size=options.sample_size, rng=rng, owned=owned
        )
    elif kind is ColumnKind.BOOLEAN:
        summary = sketch_boolean(values, sample_size=int(options.sample_size), rng=rng)
    else:
        summary = sketch_categorical(
            to_series(values), top_k=int(options.top_k), sample_size=options.sample_size, rng=rng
        )
    count = len(values)
    return ColumnProfile(
        name=name,
        kind=kind,
        count=count,
        missing_count=summary.missing_count,
        missing_rate=summary.missing_count / count if count else 0.0,
        numeric=summary.sketch if isinstance(summary, NumericSummary) else None,
        categorical=summary.sketch if isinstance(summary, CategoricalSummary) else None,
        sample=summary.sample,
    )
