"""Wasserstein-1 (earth mover's) distance, normalised by the reference's standard deviation.

``W1 = integral |F_ref(x) - F_cur(x)| dx`` over the finite values of the two samples, then
divided by ``scale``: by default the reference's population standard deviation (``ddof=0``,
the ``std`` a reference profile keeps), so the result reads "the distribution moved by this
many reference standard deviations" and is comparable across columns. The standard deviation
rather than the IQR because it is what the profile stores and because an IQR of 0 is common
for columns dominated by one value.

``+inf``/``-inf`` values are left out: any transport of mass to infinity is infinitely
costly, which says nothing useful; a change in their share is what
:func:`~driftloop.monitoring.stats.proportions_ztest` and KS (which orders them) detect. With a
constant reference (``scale`` 0) the result is 0 for an identical current sample and ``inf``
otherwise. Before normalisation this equals ``scipy.stats.wasserstein_distance``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.stats._checks import FloatArray, as_sample
from driftloop.monitoring.stats._ecdf import merged_cdfs
from driftloop.monitoring.stats._result import StatResult

_HUGE = 2.0**1000


def _overflow_factor(*sorted_samples: FloatArray) -> float:
    """0.5 when differences of the values could overflow, else 1 (halving flushes subnormals)."""
    largest = max(max(-sample[0], sample[-1]) for sample in sorted_samples)
    return 0.5 if largest > _HUGE else 1.0


def _scaled_distance(reference: FloatArray, current: FloatArray, factor: float) -> float:
    """``factor`` times the Wasserstein-1 distance."""
    values, reference_cdf, current_cdf = merged_cdfs(reference, current)
    gaps = np.abs(reference_cdf[:-1] - current_cdf[:-1])
    return float(np.sum(gaps * (values[1:] * factor - values[:-1] * factor)))


def _scaled_std(values: FloatArray, factor: float) -> float:
    """``factor`` times the population standard deviation, without overflow."""
    centred = values * factor - values[values.size // 2] * factor
    peak = float(np.max(np.abs(centred)))
    if peak == 0:
        return 0.0
    return float(np.std(centred / peak)) * peak


def _check_scale(scale: Any) -> float:
    if isinstance(scale, bool) or not isinstance(scale, int | float | np.floating):
        raise InvalidParameterError("scale must be a number", field="scale")
    if not math.isfinite(scale) or scale < 0:
        raise InvalidParameterError(
            f"scale must be finite and non-negative, got {scale}", field="scale"
        )
    return float(scale)


def wasserstein(reference: Any, current: Any, *, scale: float | None = None) -> StatResult:
    """Wasserstein-1 distance between two raw samples, divided by ``scale``.

    Args:
        reference: Reference values (``+/-inf`` ignored, NaN refused).
        current: Current values.
        scale: Divisor; defaults to the population standard deviation of the reference's
            finite values. Pass the profile's ``std`` when ``reference`` is its bounded sample.

    Returns:
        The normalised distance in ``[0, inf]`` with no p-value; not computable when either
        sample has no finite value.

    Raises:
        InvalidParameterError: A sample with NaN or not 1-D, or a negative or infinite
            ``scale``.

    Example:
        >>> wasserstein([0.0, 2.0], [1.0, 3.0]).statistic
        1.0
    """
    reference_values = as_sample("reference", reference)
    current_values = as_sample("current", current)
    divisor = None if scale is None else _check_scale(scale)
    reference_values = np.sort(reference_values[np.isfinite(reference_values)])
    current_values = np.sort(current_values[np.isfinite(current_values)])
    if reference_values.size == 0:
        return StatResult.not_computable("reference has no finite value")
    if current_values.size == 0:
        return StatResult.not_computable("current has no finite value")
    factor = _overflow_factor(reference_values, current_values)
    scaled_divisor = _scaled_std(reference_values, factor) if divisor is None else divisor * factor
    distance = _scaled_distance(reference_values, current_values, factor)
    if scaled_divisor == 0:
        return StatResult(0.0 if distance == 0 else math.inf)
    with np.errstate(over="ignore"):
        return StatResult(float(np.float64(distance) / np.float64(scaled_divisor)))
