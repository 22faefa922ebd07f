"""Pearson's chi-square test of homogeneity between two aligned count vectors.

The two vectors are the rows of a ``2 x k`` contingency table. With row totals ``R_r``,
column totals ``C_i`` and grand total ``N``, ``E_ri = R_r * C_i / N`` and
``X2 = sum (O_ri - E_ri)^2 / E_ri`` over the columns with ``C_i > 0`` (a bin empty on both
sides carries no information and is dropped), with ``k' - 1`` degrees of freedom for the
``k'`` kept columns; ``p = chi2.sf(X2, k' - 1)``. No continuity correction: this equals
``scipy.stats.chi2_contingency(table, correction=False)``. With one kept column the two sides
cannot differ: ``X2 = 0, p = 1``.

The test uses both sample sizes, so a huge reference does not make it over-confident the way a
goodness-of-fit test against fixed proportions would. With millions of rows it still flags
tiny, harmless shifts; pair it with a distance (PSI, Jensen-Shannon, L-infinity).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from driftloop.monitoring.stats._checks import FloatArray, as_aligned_counts
from driftloop.monitoring.stats._distributions import chi2_sf
from driftloop.monitoring.stats._result import StatResult


def _statistic(reference: FloatArray, current: FloatArray, scale: float) -> float:
    """``X2`` of the 2 x k table (no empty column), written to avoid overflow and underflow.

    The counts come divided by the largest one (``X2`` is linear in a common scale of all
    counts, multiplied back by ``scale``). With ``e = R_ref / N`` and ``f_i = O_ref,i / C_i``,
    ``X2 = sum_i C_i (f_i - e)^2 / (e (1 - e))``: every ratio lies in ``[0, 1]``, so only a
    truly huge ``X2`` overflows (to ``inf``, p-value 0).
    """
    reference_total, current_total = float(reference.sum()), float(current.sum())
    grand_total = reference_total + current_total
    tiny = float(np.finfo(np.float64).smallest_subnormal)
    reference_share = np.float64(max(reference_total / grand_total, tiny))
    current_share = np.float64(max(current_total / grand_total, tiny))
    column_totals = reference + current
    with np.errstate(over="ignore", under="ignore"):
        spread = np.sum(column_totals * (reference / column_totals - reference_share) ** 2)
        statistic = spread / reference_share / current_share * np.float64(scale)
    return float(statistic)


def chi_square(reference_counts: Any, current_counts: Any) -> StatResult:
    """Chi-square homogeneity test of two count vectors over the same bins.

    Args:
        reference_counts: Reference count per bin (or category).
        current_counts: Current count per bin, aligned with ``reference_counts``.

    Returns:
        The statistic in ``[0, inf)`` and its p-value; not computable when either side is
        empty.

    Raises:
        InvalidParameterError: Counts that are NaN, infinite, negative or misaligned.

    Example:
        >>> result = chi_square([50, 50], [50, 50])
        >>> result.statistic, result.p_value
        (0.0, 1.0)
    """
    reference, current = as_aligned_counts(
        "reference_counts", reference_counts, "current_counts", current_counts
    )
    reference_total, current_total = reference.sum(), current.sum()
    if reference_total == 0:
        return StatResult.not_computable("reference_counts are empty")
    if current_total == 0:
        return StatResult.not_computable("current_counts are empty")
    scale = max(float(reference.max()), float(current.max()))
    reference, current = reference / scale, current / scale
    if reference.sum() == 0 or current.sum() == 0:
        return StatResult.not_computable("one side's counts are over 1e308 times the other's")
    kept = (reference > 0) | (current > 0)
    degrees_of_freedom = int(np.count_nonzero(kept)) - 1
    if degrees_of_freedom == 0:
        return StatResult(0.0, 1.0)
    statistic = _statistic(reference[kept], current[kept], scale)
    return StatResult(statistic, chi2_sf(statistic, degrees_of_freedom))
