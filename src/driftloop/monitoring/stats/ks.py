"""Kolmogorov-Smirnov statistics: two raw samples, or a raw sample against a binned CDF.

``D = sup_x |F_ref(x) - F_cur(x)|``. Both functions work on sorted arrays with
``np.searchsorted`` (no loop over rows), and ``+inf``/``-inf`` are ordinary values: they sit at
the ends of the order, so they count like the largest and smallest values.

Two raw samples (:func:`ks_two_sample`) give ``scipy.stats.ks_2samp``'s statistic (same
integer counts, same divisions) and p-value: exact when ``method="exact"`` (or ``"auto"`` with
both samples of at most 10,000 values), else Smirnov's asymptotic ``kstwo.sf(D, n)`` with
``n = round(n1 * n2 / (n1 + n2))``. For ``n`` above 10,000 ``kstwo.sf`` is replaced by
Stephens' corrected limit (within 1% for p-values above 1e-10), because scipy needs up to a
second per call there. When the exact computation fails (scipy gives up on some sizes) the
asymptotic value is used.

Against a reference profile (:func:`ks_binned`) the reference CDF is known only at its bin
edges: it is taken as linear inside each bin (values spread evenly within a quantile bin), with
jumps at repeated edges (a constant column) and at ``-inf``/``+inf`` for the reference's
infinite values. With fine quantile bins this is close to the two-sample statistic on the raw
reference. :func:`cumulative_proportions` builds that CDF from a profile's counts.

The linear assumption is wrong for a column with few distinct values (small integers): its
mass sits at the edges, not spread between them, so ``D`` is overstated by up to one bin's
share even for an unchanged column. Compare such columns' bin counts with chi-square or PSI.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.stats._checks import (
    FloatArray,
    as_count,
    as_counts,
    as_sample,
)
from driftloop.monitoring.stats._distributions import ks_2samp_exact_p, kstwo_sf
from driftloop.monitoring.stats._result import StatResult

KsMethod = Literal["auto", "exact", "asymp"]
_MAX_AUTO_EXACT = 10_000
_HUGE = 2.0**1000


def _one_sided(first: FloatArray, second: FloatArray) -> float:
    """``sup_x F_first(x) - F_second(x)`` for two sorted samples.

    The difference rises only at values of ``first``, so its supremum is attained at one of
    them, taking ``F_first`` there as ``(i + 1) / n`` at the last index ``i`` of a run of
    ties; earlier indices of the run give smaller values, so no tie handling is needed. The
    arithmetic is ``ks_2samp``'s, hence the same float.
    """
    rising = np.arange(1, first.size + 1) / first.size
    falling = np.searchsorted(second, first, side="right") / second.size
    return max(float(np.max(rising - falling)), 0.0)


def ks_two_sample(reference: Any, current: Any, *, method: KsMethod = "auto") -> StatResult:
    """Two-sample, two-sided Kolmogorov-Smirnov test on raw values.

    Args:
        reference: Reference values (``+/-inf`` allowed, NaN not).
        current: Current values.
        method: ``"exact"``, ``"asymp"`` (Smirnov's limit) or ``"auto"`` (exact when both
            samples hold at most 10,000 values), as in ``scipy.stats.ks_2samp``.

    Returns:
        ``D`` in ``[0, 1]`` and its p-value; not computable when either sample is empty.

    Raises:
        InvalidParameterError: A sample holding NaN or not one-dimensional, or an unknown
            ``method``.

    Example:
        >>> ks_two_sample([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]).statistic
        1.0
    """
    if method not in {"auto", "exact", "asymp"}:
        raise InvalidParameterError(
            f"method must be 'auto', 'exact' or 'asymp', got {method!r}", field="method"
        )
    reference_values = np.sort(as_sample("reference", reference))
    current_values = np.sort(as_sample("current", current))
    n1, n2 = reference_values.size, current_values.size
    if n1 == 0:
        return StatResult.not_computable("reference is empty")
    if n2 == 0:
        return StatResult.not_computable("current is empty")
    statistic = max(
        _one_sided(reference_values, current_values), _one_sided(current_values, reference_values)
    )
    exact = method == "exact" or (method == "auto" and max(n1, n2) <= _MAX_AUTO_EXACT)
    p_value = ks_2samp_exact_p(reference_values, current_values) if exact else None
    if p_value is None:
        p_value = kstwo_sf(statistic, n1 * n2 / (n1 + n2))
    return StatResult(statistic, p_value)


def cumulative_proportions(
    bin_counts: Any, *, negative_infinity_count: Any = 0, positive_infinity_count: Any = 0
) -> FloatArray:
    """The reference CDF at each bin edge, for :func:`ks_binned`, from a profile's counts.

    Entry ``i`` is the share of reference values at or below edge ``i``: ``-inf`` values
    first, then the finite bins' running total; the ``+inf`` share is what the last entry
    leaves below 1.

    Args:
        bin_counts: Finite values per bin (``len(bin_edges) - 1`` entries).
        negative_infinity_count: How many reference values are ``-inf``.
        positive_infinity_count: How many reference values are ``+inf``.

    Returns:
        ``len(bin_counts) + 1`` non-decreasing proportions (all 0 for an empty reference).

    Raises:
        InvalidParameterError: Invalid counts.

    Example:
        >>> cumulative_proportions([2, 1], positive_infinity_count=1).tolist()
        [0.0, 0.5, 0.75]
    """
    counts = as_counts("bin_counts", bin_counts)
    below = as_count("negative_infinity_count", negative_infinity_count)
    above = as_count("positive_infinity_count", positive_infinity_count)
    running = below + np.concatenate([[0.0], np.cumsum(counts)])
    total = running[-1] + above
    if total == 0:
        return np.zeros(running.size)
    proportions: FloatArray = np.minimum(running / total, 1.0)
    return proportions


def _check_binned_reference(bin_edges: Any, cumulative: Any) -> tuple[FloatArray, FloatArray]:
    edges = as_sample("bin_edges", bin_edges)
    cdf = as_counts("cumulative", cumulative)
    if edges.size < 2:
        raise InvalidParameterError("bin_edges needs at least two edges", field="bin_edges")
    if not np.isfinite(edges).all() or (edges[1:] < edges[:-1]).any():
        raise InvalidParameterError(
            "bin_edges must be finite and non-decreasing", field="bin_edges"
        )
    if cdf.shape != edges.shape:
        raise InvalidParameterError(
            f"cumulative has {cdf.size} entries but bin_edges has {edges.size}",
            field="cumulative",
        )
    if (cdf > 1).any() or (cdf[1:] < cdf[:-1]).any():
        raise InvalidParameterError(
            "cumulative must be non-decreasing proportions in [0, 1]", field="cumulative"
        )
    return edges, cdf


def _reference_cdf(values: FloatArray, edges: FloatArray, cdf: FloatArray) -> FloatArray:
    """The right-continuous reference CDF ``F_ref(x)`` at sorted values.

    Values are sorted, so each bin's values are one slice, found by bisecting for the edges
    (not each value); inside a bin the CDF is linear in ``x``.
    """
    starts = np.searchsorted(values, edges, side="left")
    result = np.empty(values.size)
    result[: starts[0]] = cdf[0]
    result[starts[-1] :] = cdf[-1]
    result[np.searchsorted(values, np.inf, side="left") :] = 1.0
    inside = values[starts[0] : starts[-1]]
    if inside.size:
        # Bin i (from 0) holds edges[i] <= x < edges[i + 1]; zero-width bins hold nothing.
        segment = np.repeat(np.arange(edges.size - 1), np.diff(starts))
        # Halving keeps differences of edges near +/-1.8e308 finite; it is skipped otherwise
        # because it would flush differences of subnormal edges to 0.
        factor = 0.5 if max(-edges[0], edges[-1]) > _HUGE else 1.0
        lower = edges[:-1] * factor
        width = edges[1:] * factor - lower
        fraction = (inside * factor - lower[segment]) / width[segment]
        rise = np.diff(cdf)
        result[starts[0] : starts[-1]] = cdf[:-1][segment] + rise[segment] * fraction
    return result


def _left_limits(
    values: FloatArray, right: FloatArray, edges: FloatArray, cdf: FloatArray
) -> FloatArray:
    """``F_ref(x-)`` at sorted values: ``F_ref(x)`` except at the CDF's jumps.

    The jumps are at repeated edges (a zero-width bin), ``-inf`` and ``+inf``; the runs of
    values equal to one are found by bisection, so the cost is per jump, not per value.
    """
    left = right.copy()
    repeated = np.unique(edges[1:][edges[1:] == edges[:-1]])
    jumps = [(-np.inf, 0.0), (np.inf, float(cdf[-1]))]
    jumps += [(edge, float(cdf[np.searchsorted(edges, edge, side="left")])) for edge in repeated]
    for point, limit in jumps:
        start = int(np.searchsorted(values, point, side="left"))
        stop = int(np.searchsorted(values, point, side="right"))
        left[start:stop] = limit
    return left


def ks_binned(
    bin_edges: Any,
    cumulative: Any,
    current: Any,
    *,
    reference_size: int | None = None,
) -> StatResult:
    """Kolmogorov-Smirnov distance of a raw sample from a reference CDF given at bin edges.

    The supremum is exact for the piecewise-linear reference CDF: as in the one-sample test,
    it is attained at a current value or just before one, which are all evaluated.

    Args:
        bin_edges: Finite, non-decreasing reference bin edges (at least two).
        cumulative: Reference CDF at each edge (see :func:`cumulative_proportions`); the CDF
            is ``cumulative[0]`` below the first edge (the ``-inf`` share) and
            ``cumulative[-1]`` above the last, reaching 1 only at ``+inf``.
        current: Current raw values (``+/-inf`` allowed, NaN not).
        reference_size: How many values the reference held. Given, the p-value is the
            two-sample asymptotic one with ``n = n_ref * n_cur / (n_ref + n_cur)``; else the
            one-sample ``kstwo.sf(D, n_cur)`` that treats the reference CDF as exact.

    Returns:
        ``D`` in ``[0, 1]`` and its asymptotic p-value; not computable when ``current`` is
        empty or ``reference_size`` is 0.

    Raises:
        InvalidParameterError: Malformed edges or CDF, NaN in ``current``, or a negative
            ``reference_size``.

    Example:
        >>> ks_binned([0.0, 1.0], [0.0, 1.0], [0.25, 0.75]).statistic
        0.25
    """
    edges, cdf = _check_binned_reference(bin_edges, cumulative)
    values = np.sort(as_sample("current", current))
    if reference_size is not None and as_count("reference_size", reference_size) == 0:
        return StatResult.not_computable("reference_size is 0")
    if values.size == 0:
        return StatResult.not_computable("current is empty")
    # F_cur - F_ref rises only at current values and F_ref - F_cur peaks just before one,
    # so with F_cur = (i + 1) / n and i / n there the sup is over the sorted values alone.
    right = _reference_cdf(values, edges, cdf)
    above = np.arange(1, values.size + 1) / values.size - right
    below = _left_limits(values, right, edges, cdf) - np.arange(values.size) / values.size
    statistic = max(float(above.max()), float(below.max()), 0.0)
    statistic = min(statistic, 1.0)
    size = float(values.size)
    if reference_size is not None:
        size = reference_size * size / (reference_size + size)
    return StatResult(statistic, kstwo_sf(statistic, size))
