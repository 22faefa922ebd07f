"""Empirical CDFs of two sorted samples at their merged distinct values, in O(n) passes."""

from __future__ import annotations

import numpy as np

from driftloop.monitoring.stats._checks import FloatArray


def merged_cdfs(first: FloatArray, second: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Distinct values of both sorted samples, and each sample's CDF ``F(x)`` at them.

    ``F(x)`` is right-continuous (the share of values ``<= x``), computed as integer counts
    divided by the size, exactly as ``np.searchsorted(sorted, x, "right") / size`` would be.
    A stable sort of the two concatenated runs is a linear-time merge.

    Returns:
        ``(values, first_cdf, second_cdf)``, increasing ``values`` without repeats.
    """
    both = np.concatenate([first, second])
    order = np.argsort(both, kind="stable")
    values = both[order]
    from_first = np.cumsum(order < first.size)
    from_second = np.arange(1, both.size + 1) - from_first
    last_of_run = np.empty(both.size, dtype=bool)
    np.not_equal(values[1:], values[:-1], out=last_of_run[:-1])
    last_of_run[-1] = True
    return (
        values[last_of_run],
        from_first[last_of_run] / max(first.size, 1),
        from_second[last_of_run] / max(second.size, 1),
    )
