"""The sketch of a categorical or boolean column: top-k frequencies, "other" and distinct count.

Keys are ``str(value)``; missing values (None, NaN, ``pd.NA``, NaT) are not counted here but in
the column's missing count; the empty string is a value like any other. The top ``k`` values are
kept most frequent first, ties in the order pandas lists the values (first appearance; category
order for pandas categoricals). Booleans always keep both keys, ``"true"`` and ``"false"``, most
frequent first (``"true"`` on a tie), whatever ``top_k`` is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd  # no pandas-stubs yet
from numpy.typing import NDArray
from pandas.api.types import infer_dtype

from driftloop.errors import ProfileError
from driftloop.monitoring._fields import as_count, as_mapping, child, require
from driftloop.monitoring._sampling import sample_positions


class FrozenCounts(Mapping[str, int]):
    """A read-only, hashable ``str -> int`` mapping that keeps its insertion order."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, int]) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> int:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._items == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"FrozenCounts({self._items!r})"


@dataclass(frozen=True, slots=True)
class CategoricalSketch:
    """Frequency summary of a categorical (or boolean) column's non-missing values.

    Attributes:
        frequencies: Counts of the top-k values, most frequent first (read-only).
        other_count: Non-missing values outside the top k.
        distinct_count: How many different non-missing values the column holds.
    """

    frequencies: Mapping[str, int]
    other_count: int
    distinct_count: int

    def __post_init__(self) -> None:
        if not isinstance(self.frequencies, FrozenCounts):
            object.__setattr__(self, "frequencies", FrozenCounts(self.frequencies))


@dataclass(frozen=True, slots=True)
class CategoricalSummary:
    """What profiling a categorical or boolean column yields besides its sketch."""

    sketch: CategoricalSketch
    missing_count: int
    sample: tuple[Any, ...]


def sketch_categorical(
    series: pd.Series, *, top_k: int, sample_size: int, rng: np.random.Generator
) -> CategoricalSummary:
    """Sketch a column of strings (or category values) with one hash count."""
    counts = series.value_counts(sort=False, dropna=False)
    missing_keys = np.asarray(counts.index.isna(), dtype=bool)
    missing_count = int(counts.to_numpy()[missing_keys].sum())
    counts = counts[~missing_keys & (counts.to_numpy() > 0)]  # categoricals list unused ones
    present_count = len(series) - missing_count
    if len(counts) and infer_dtype(counts.index, skipna=False) != "string":
        counts = counts.groupby(counts.index.map(str), sort=False).sum()
    values = counts.to_numpy(dtype=np.int64)
    order = np.argsort(-values, kind="stable")[:top_k]
    keys = counts.index[order].tolist()
    frequencies = {str(key): int(count) for key, count in zip(keys, values[order], strict=True)}
    sketch = CategoricalSketch(
        frequencies=frequencies,
        other_count=present_count - sum(frequencies.values()),
        distinct_count=len(counts),
    )
    positions = sample_positions(present_count, sample_size, rng)
    if missing_count:  # only then is the row mask worth its pass over the data
        positions = np.flatnonzero(series.notna().to_numpy(dtype=bool))[positions]
    sample = tuple(str(value) for value in series.iloc[positions].tolist())
    return CategoricalSummary(sketch, missing_count, sample)


def sketch_boolean(
    values: NDArray[Any] | pd.Series, *, sample_size: int, rng: np.random.Generator
) -> CategoricalSummary:
    """Sketch a column of booleans as ``{"true": n, "false": m}``."""
    if isinstance(values, np.ndarray) and values.dtype == np.bool_:
        flags = values
    else:
        series = values if isinstance(values, pd.Series) else pd.Series(values, copy=False)
        flags = series[series.notna()].to_numpy(dtype=bool)
    true_count = int(np.count_nonzero(flags))
    false_count = len(flags) - true_count
    pairs = [("true", true_count), ("false", false_count)]
    if false_count > true_count:
        pairs.reverse()
    sketch = CategoricalSketch(
        frequencies=dict(pairs),
        other_count=0,
        distinct_count=(true_count > 0) + (false_count > 0),
    )
    sample = tuple(flags[sample_positions(len(flags), sample_size, rng)].tolist())
    return CategoricalSummary(sketch, len(values) - len(flags), sample)


def categorical_sketch_to_dict(sketch: CategoricalSketch) -> dict[str, Any]:
    """JSON-ready form of a sketch; ``frequencies`` keeps its order."""
    return {
        "frequencies": dict(sketch.frequencies),
        "other_count": sketch.other_count,
        "distinct_count": sketch.distinct_count,
    }


def categorical_sketch_from_dict(data: Mapping[str, Any], path: str) -> CategoricalSketch:
    """Parse :func:`categorical_sketch_to_dict` output found at ``path``.

    Raises:
        ProfileError: A field is missing or mistyped.
    """
    frequencies_path = child(path, "frequencies")
    raw = as_mapping(require(data, "frequencies", path), frequencies_path)
    frequencies: dict[str, int] = {}
    for key, count in raw.items():
        if not isinstance(key, str):
            raise ProfileError(
                f"profile field {frequencies_path!r} must have string keys", field=frequencies_path
            )
        frequencies[key] = as_count(count, f"{frequencies_path}[{key!r}]")
    return CategoricalSketch(
        frequencies=frequencies,
        other_count=as_count(require(data, "other_count", path), child(path, "other_count")),
        distinct_count=as_count(
            require(data, "distinct_count", path), child(path, "distinct_count")
        ),
    )
