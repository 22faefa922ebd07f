"""Tail probabilities of the null distributions, from ``scipy.stats``, imported lazily.

scipy is needed only for p-values (chi-square, Kolmogorov-Smirnov), so the distances work
without it. Every value returned is a float clipped to ``[0, 1]``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from driftloop.monitoring.stats._checks import FloatArray

_KSTWO_MAX_N = 10_000


def _clip(probability: Any) -> float:
    return min(max(float(probability), 0.0), 1.0)


def chi2_sf(statistic: float, degrees_of_freedom: int) -> float:
    """``P(X >= statistic)`` for a chi-square variable with ``degrees_of_freedom``."""
    from scipy import stats  # type: ignore[import-untyped]

    return _clip(stats.chi2.sf(statistic, degrees_of_freedom))


def two_sided_normal_p(z: float) -> float:
    """``P(|Z| >= |z|)`` for a standard normal ``Z``: ``erfc(|z| / sqrt(2))``."""
    return _clip(math.erfc(abs(z) / math.sqrt(2.0)))


def kstwo_sf(statistic: float, size: float) -> float:
    """Two-sided one-sample KS tail ``P(D_n >= statistic)``, ``n = max(round(size), 1)``.

    Up to ``n = 10,000`` this is ``scipy.stats.kstwo.sf`` (what ``ks_2samp`` uses), which
    takes up to a second for ``n`` near a million. Beyond, Stephens' corrected Kolmogorov
    limit ``kolmogorov((sqrt(n) + 0.12 + 0.11 / sqrt(n)) * D)`` is used: within 1% of
    ``kstwo.sf`` for p-values above 1e-10, in microseconds.
    """
    from scipy import special, stats

    n = max(round(size), 1)
    if n <= _KSTWO_MAX_N:
        return _clip(stats.kstwo.sf(statistic, n))
    root = math.sqrt(n)
    return _clip(special.kolmogorov((root + 0.12 + 0.11 / root) * statistic))


def ks_2samp_exact_p(reference: FloatArray, current: FloatArray) -> float | None:
    """The exact two-sample KS p-value from scipy, or None where scipy cannot compute it."""
    from scipy import stats

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = stats.ks_2samp(reference, current, method="exact")
    if caught:
        return None
    return _clip(result.pvalue)
