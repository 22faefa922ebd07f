"""L-infinity distance between two aligned category-frequency vectors.

``L_inf = max_i |p_i - q_i|`` over the proportions: the largest change in any one category's
share, in ``[0, 1]``, symmetric, 0 for equal proportions. Readable ("the share of 'FR' moved
by 0.12") and robust to many rare categories, unlike chi-square.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from driftloop.monitoring.stats._checks import as_aligned_counts
from driftloop.monitoring.stats._result import StatResult


def linf(reference_counts: Any, current_counts: Any) -> StatResult:
    """Largest absolute difference between the two vectors' proportions.

    Args:
        reference_counts: Reference count (or frequency) per category.
        current_counts: Current count per category, aligned with ``reference_counts``.

    Returns:
        The distance in ``[0, 1]`` with no p-value; not computable when either side is empty.

    Raises:
        InvalidParameterError: Counts that are NaN, infinite, negative or misaligned.

    Example:
        >>> linf([3, 1], [1, 3]).statistic
        0.5
    """
    reference, current = as_aligned_counts(
        "reference_counts", reference_counts, "current_counts", current_counts
    )
    reference_total, current_total = reference.sum(), current.sum()
    if reference_total == 0:
        return StatResult.not_computable("reference_counts are empty")
    if current_total == 0:
        return StatResult.not_computable("current_counts are empty")
    difference = np.abs(reference / reference_total - current / current_total)
    return StatResult(min(float(difference.max()), 1.0))
