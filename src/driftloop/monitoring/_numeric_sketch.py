"""The sketch of a numeric column: quantile bins, moments and infinity counts.

Choices, documented once here:

* NaN (and NaT, ``pd.NA``, None) is *missing*. ``+inf`` and ``-inf`` are values, not missing,
  but they have no place in quantiles or moments: they are counted in
  ``positive_infinity_count`` / ``negative_infinity_count`` and left out of everything else
  (bin edges and counts, min, max, mean, std and the sample), which are all over the finite
  values. A consumer that wants open-ended tail bins adds the two counts to the first and last
  bin.
* Bin edges are ``np.quantile(finite, np.linspace(0, 1, bins + 1))`` (linear interpolation),
  with equal edges merged, so there may be fewer than ``bins`` bins. A constant column keeps the
  two equal edges ``(c, c)`` and one bin holding every value. No finite value: no edges, no bins.
* Counts follow ``np.histogram`` with those edges: bin ``i`` holds ``edges[i] <= x <
  edges[i + 1]``, the last bin also holds ``x == edges[-1]``; they sum to the finite count.
* ``std`` is the population standard deviation (``ddof=0``, numpy's default).
* ``quantiles`` is the quantile function of the finite values at ``QUANTILE_POINTS``
  mid-point probabilities ``(k + 0.5) / m``, read as order statistics (``ordered[floor(p * n)]``,
  no interpolation); a column with fewer finite values keeps them all, sorted (``m = n``). Drift
  compares the window's quantile function with it (the normalised Wasserstein distance), so the
  reference side is exact whatever the sample size. Profiles written before it existed have
  ``()`` here, and drift falls back to the sample.
* Values beyond ``2**300`` (or all below ``2**-300``) in magnitude are scaled by an exact
  power of two first, so sums of huge values neither overflow nor turn into NaN.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from driftloop.errors import ProfileError
from driftloop.monitoring._fields import (
    as_count,
    as_float,
    as_list,
    as_optional_float,
    child,
    require,
)
from driftloop.monitoring._sampling import sample_positions

FloatArray = NDArray[np.float64]

QUANTILE_POINTS = 1000
"""Probabilities at which the profile keeps a numeric column's quantile function."""

_HUGE = 2.0**300
_TINY = 2.0**-300


@dataclass(frozen=True, slots=True)
class NumericSketch:
    """Distribution summary of a numeric column's finite values.

    ``+inf`` and ``-inf`` are values, not missing, but only their counts are kept: bins,
    extremes, moments and the sample cover the finite values. Bin edges are the
    ``np.quantile`` edges of those values with equal edges merged (a constant column keeps
    ``(c, c)`` and one bin); counts follow ``np.histogram`` with those edges.

    Attributes:
        bin_edges: Increasing quantile edges (empty when there is no finite value).
        bin_counts: Finite values per bin; ``len(bin_edges) - 1`` entries.
        min: Smallest finite value, or None when there is none.
        max: Largest finite value, or None.
        mean: Mean of the finite values, or None.
        std: Population standard deviation of the finite values, or None.
        positive_infinity_count: How many values are ``+inf``.
        negative_infinity_count: How many values are ``-inf``.
        quantiles: The quantile function of the finite values at ``min(QUANTILE_POINTS, n)``
            mid-point probabilities (``()`` when there is no finite value, or in profiles
            written before it was kept).
    """

    bin_edges: tuple[float, ...]
    bin_counts: tuple[int, ...]
    min: float | None
    max: float | None
    mean: float | None
    std: float | None
    positive_infinity_count: int = 0
    negative_infinity_count: int = 0
    quantiles: tuple[float, ...] = ()

    @property
    def finite_count(self) -> int:
        """How many finite values the bins hold."""
        return sum(self.bin_counts)


@dataclass(frozen=True, slots=True)
class NumericSummary:
    """What profiling a numeric column yields besides its sketch."""

    sketch: NumericSketch
    missing_count: int
    sample: tuple[float, ...]


def sketch_numeric(
    values: FloatArray,
    *,
    bins: int,
    sample_size: int,
    rng: np.random.Generator,
    owned: bool = False,
) -> NumericSummary:
    """Sketch a float64 column with one sort and a few vectorised passes.

    NaN marks missing values. ``values`` is reordered in place when ``owned`` (the caller
    made it for us), else left untouched.
    """
    finite_mask = np.isfinite(values)
    finite_count = int(np.count_nonzero(finite_mask))
    missing = positive = negative = 0
    if finite_count == len(values):
        finite = values
    else:
        finite, owned = values[finite_mask], True
        missing = int(np.count_nonzero(np.isnan(values)))
        positive = int(np.count_nonzero(values == np.inf))
        negative = len(values) - finite_count - missing - positive
    sample = tuple(finite[sample_positions(finite_count, sample_size, rng)].tolist())
    if finite_count == 0:
        sketch = NumericSketch((), (), None, None, None, None, positive, negative)
        return NumericSummary(sketch, missing, sample)
    if owned:
        finite.sort()
        ordered = finite
    else:
        ordered = np.sort(finite)
    low, high = float(ordered[0]), float(ordered[-1])
    scale = _power_of_two_scale(max(abs(low), abs(high)))
    scaled = ordered / scale if scale != 1.0 else ordered
    mean = min(max(float(scaled.mean()) * scale, low), high)
    deviations = np.subtract(scaled, mean / scale)
    np.multiply(deviations, deviations, out=deviations)
    std = math.sqrt(float(deviations.mean())) * scale
    del deviations
    raw_edges = np.clip(sorted_quantiles(scaled, bins) * scale, low, high)
    # Scaling may flush tiny values to zero; the outer edges must still be the exact extremes.
    raw_edges[0], raw_edges[-1] = low, high
    edges = _deduplicated(raw_edges)
    sketch = NumericSketch(
        bin_edges=tuple(edges.tolist()),
        bin_counts=tuple(sorted_bin_counts(ordered, edges).tolist()),
        min=low,
        max=high,
        mean=mean,
        std=std,
        positive_infinity_count=positive,
        negative_infinity_count=negative,
        quantiles=tuple(quantile_function(ordered, QUANTILE_POINTS).tolist()),
    )
    return NumericSummary(sketch, missing, sample)


def _power_of_two_scale(magnitude: float) -> float:
    if _TINY <= magnitude <= _HUGE or magnitude == 0.0:
        return 1.0
    return math.ldexp(1.0, math.frexp(magnitude)[1] - 1)  # 2**1024 would overflow


def sorted_quantiles(ordered: FloatArray, bins: int) -> FloatArray:
    """``np.quantile(ordered, np.linspace(0, 1, bins + 1))`` of sorted, non-empty values.

    The same arithmetic as numpy's default ("linear") method, bit for bit, but reading the
    neighbours straight from the sorted array instead of partitioning a copy.
    """
    size = len(ordered)
    virtual = (size - 1) * np.linspace(0.0, 1.0, bins + 1)
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= size - 1
    previous[above] = -1
    following[above] = -1
    previous_index = previous.astype(np.intp)
    gamma = virtual - previous_index
    below, above_values = ordered[previous_index], ordered[following.astype(np.intp)]
    difference = above_values - below
    result = below + difference * gamma
    np.subtract(above_values, difference * (1 - gamma), out=result, where=gamma >= 0.5)
    return result


def quantile_function(ordered: FloatArray, points: int) -> FloatArray:
    """Sorted values at ``min(points, n)`` mid-point probabilities, as order statistics.

    ``ordered[floor((k + 0.5) / m * n)]`` for ``k < m = min(points, n)``: with ``n <= points``
    that is every value. No interpolation, so it is a few reads of the sorted array.

    Example:
        >>> quantile_function(np.arange(10.0), 4).tolist()
        [1.0, 3.0, 6.0, 8.0]
    """
    size = len(ordered)
    count = min(points, size)
    if count == 0:
        return np.empty(0, dtype=np.float64)
    positions = ((np.arange(count) + 0.5) * (size / count)).astype(np.intp)
    return ordered[np.minimum(positions, size - 1)]


def _deduplicated(raw: FloatArray) -> FloatArray:
    edges = np.unique(np.maximum.accumulate(raw))
    if len(edges) == 1:
        edges = np.repeat(edges, 2)
    return edges


def sorted_bin_counts(ordered: FloatArray, edges: FloatArray) -> NDArray[np.int64]:
    """``np.histogram(ordered, bins=edges)[0]`` of sorted values, by binary search of the edges."""
    cumulative = np.concatenate(
        (
            np.searchsorted(ordered, edges[:-1], side="left"),
            np.searchsorted(ordered, edges[-1:], side="right"),
        )
    )
    return np.diff(cumulative).astype(np.int64, copy=False)


def numeric_sketch_to_dict(sketch: NumericSketch) -> dict[str, Any]:
    """JSON-ready form of a sketch; absent statistics are ``null``."""
    return {
        "bin_edges": list(sketch.bin_edges),
        "bin_counts": list(sketch.bin_counts),
        "min": sketch.min,
        "max": sketch.max,
        "mean": sketch.mean,
        "std": sketch.std,
        "positive_infinity_count": sketch.positive_infinity_count,
        "negative_infinity_count": sketch.negative_infinity_count,
        "quantiles": list(sketch.quantiles),
    }


def numeric_sketch_from_dict(data: Mapping[str, Any], path: str) -> NumericSketch:
    """Parse :func:`numeric_sketch_to_dict` output found at ``path``.

    Raises:
        ProfileError: A field is missing, mistyped, or the bins are inconsistent.
    """
    edges_path, counts_path = child(path, "bin_edges"), child(path, "bin_counts")
    edges = tuple(
        as_float(edge, f"{edges_path}[{index}]")
        for index, edge in enumerate(as_list(require(data, "bin_edges", path), edges_path))
    )
    counts = tuple(
        as_count(count, f"{counts_path}[{index}]")
        for index, count in enumerate(as_list(require(data, "bin_counts", path), counts_path))
    )
    if len(counts) != max(len(edges) - 1, 0) or len(edges) == 1:
        raise ProfileError(
            f"profile field {counts_path!r} must have one count per bin "
            f"({len(edges)} edges, {len(counts)} counts)",
            field=counts_path,
        )
    if any(right < left for left, right in itertools.pairwise(edges)):
        raise ProfileError(f"profile field {edges_path!r} must not decrease", field=edges_path)

    def stat(key: str) -> float | None:
        return as_optional_float(require(data, key, path), child(path, key))

    def infinities(key: str) -> int:
        return as_count(require(data, key, path), child(path, key))

    quantiles_path = child(path, "quantiles")
    quantiles = tuple(
        as_float(value, f"{quantiles_path}[{index}]")
        # Optional: profiles written before the quantile function was kept lack it.
        for index, value in enumerate(as_list(data.get("quantiles", []), quantiles_path))
    )
    if any(right < left for left, right in itertools.pairwise(quantiles)):
        raise ProfileError(
            f"profile field {quantiles_path!r} must not decrease", field=quantiles_path
        )

    return NumericSketch(
        bin_edges=edges,
        bin_counts=counts,
        min=stat("min"),
        max=stat("max"),
        mean=stat("mean"),
        std=stat("std"),
        positive_infinity_count=infinities("positive_infinity_count"),
        negative_infinity_count=infinities("negative_infinity_count"),
        quantiles=quantiles,
    )
