"""Population Stability Index over two aligned count vectors.

``PSI = sum_i (q_i - p_i) * ln(q_i / p_i)`` with ``p`` the reference and ``q`` the current
proportions per bin. An empty bin would make the logarithm infinite, so every proportion below
``epsilon`` (default ``1e-4``, the zero-replacement value of Evidently and NannyML) is raised
to ``epsilon`` and the vector is *not* renormalised. Flooring rather than replacing only exact
zeros keeps PSI continuous in the counts and bounded: no bin contributes more than
``ln(1 / epsilon)`` (about 9.2). Every term is ``>= 0`` whatever the smoothing,
so PSI is ``>= 0``, 0 for equal proportions, and symmetric in its two arguments.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from driftloop.monitoring.stats._checks import as_aligned_counts, as_open_unit
from driftloop.monitoring.stats._result import StatResult

DEFAULT_EPSILON = 1e-4


def psi(
    reference_counts: Any, current_counts: Any, *, epsilon: float = DEFAULT_EPSILON
) -> StatResult:
    """Population Stability Index between two count vectors over the same bins.

    Args:
        reference_counts: Reference count (or weight) per bin.
        current_counts: Current count per bin, aligned with ``reference_counts``. A category
            seen only in the current window goes in a bin the reference counts as 0.
        epsilon: Floor for every proportion, in ``(0, 1)``.

    Returns:
        The PSI in ``[0, inf)`` with no p-value; not computable when either side is empty.

    Raises:
        InvalidParameterError: Counts that are NaN, infinite, negative or misaligned, or an
            ``epsilon`` outside ``(0, 1)``.

    Example:
        >>> round(psi([50, 50], [40, 60]).statistic, 4)
        0.0405
    """
    reference, current = as_aligned_counts(
        "reference_counts", reference_counts, "current_counts", current_counts
    )
    epsilon = as_open_unit("epsilon", epsilon)
    reference_total, current_total = reference.sum(), current.sum()
    if reference_total == 0:
        return StatResult.not_computable("reference_counts are empty")
    if current_total == 0:
        return StatResult.not_computable("current_counts are empty")
    expected = reference / reference_total
    actual = current / current_total
    np.maximum(expected, epsilon, out=expected)
    np.maximum(actual, epsilon, out=actual)
    value = float(np.sum((actual - expected) * np.log(actual / expected)))
    return StatResult(max(value, 0.0))
