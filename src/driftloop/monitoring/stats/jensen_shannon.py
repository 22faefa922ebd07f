"""Jensen-Shannon distance between two aligned count vectors.

``JS = sqrt((KL(p || m) + KL(q || m)) / 2)`` with ``m = (p + q) / 2`` and base-2 logarithms,
so the distance lies in ``[0, 1]``: 0 for equal proportions, 1 for disjoint supports. It is
symmetric and a metric. No smoothing is needed: ``m`` is positive wherever ``p`` or ``q`` is,
and terms with a zero proportion contribute 0 (``0 * log 0 = 0``). It equals
``scipy.spatial.distance.jensenshannon(p, q, base=2)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from driftloop.monitoring.stats._checks import FloatArray, as_aligned_counts
from driftloop.monitoring.stats._result import StatResult


def _kl_to_mixture(proportions: FloatArray, other: FloatArray) -> float:
    """``KL(p || m)`` with ``p / m`` written ``2p / (p + q)``: no underflow of ``m`` to 0."""
    present = proportions > 0
    kept = proportions[present]
    return float(np.sum(kept * np.log2(2 * kept / (kept + other[present]))))


def jensen_shannon(reference_counts: Any, current_counts: Any) -> StatResult:
    """Jensen-Shannon distance (base 2) between two count vectors over the same bins.

    Args:
        reference_counts: Reference count (or weight) per bin.
        current_counts: Current count per bin, aligned with ``reference_counts``.

    Returns:
        The distance in ``[0, 1]`` with no p-value; not computable when either side is empty.

    Raises:
        InvalidParameterError: Counts that are NaN, infinite, negative or misaligned.

    Example:
        >>> jensen_shannon([1, 0], [0, 1]).statistic
        1.0
    """
    reference, current = as_aligned_counts(
        "reference_counts", reference_counts, "current_counts", current_counts
    )
    reference_total, current_total = reference.sum(), current.sum()
    if reference_total == 0:
        return StatResult.not_computable("reference_counts are empty")
    if current_total == 0:
        return StatResult.not_computable("current_counts are empty")
    p = reference / reference_total
    q = current / current_total
    divergence = (_kl_to_mixture(p, q) + _kl_to_mixture(q, p)) / 2
    return StatResult(min(math.sqrt(max(divergence, 0.0)), 1.0))
