"""Two-proportion Z-test, e.g. for a change in a column's missing or infinite rate.

With ``x1`` of ``n1`` reference rows and ``x2`` of ``n2`` current rows having the property,
``p = (x1 + x2) / (n1 + n2)`` is the pooled proportion and
``z = (x2 / n2 - x1 / n1) / sqrt(p * (1 - p) * (1 / n1 + 1 / n2))``; the two-sided p-value is
``2 * norm.sf(|z|)``. ``z > 0`` means the rate went up. When ``p`` is 0 or 1 both rates are
equal (all or none), so ``z = 0, p = 1``. ``z**2`` equals the chi-square statistic of the
``2 x 2`` table without continuity correction, and the p-values agree.
"""

from __future__ import annotations

import math
from typing import Any

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.stats._checks import as_count
from driftloop.monitoring.stats._distributions import two_sided_normal_p
from driftloop.monitoring.stats._result import StatResult


def proportions_ztest(
    reference_count: Any, reference_total: Any, current_count: Any, current_total: Any
) -> StatResult:
    """Pooled two-sided Z-test that two proportions are equal.

    Args:
        reference_count: Reference rows with the property (e.g. missing).
        reference_total: Reference rows in all.
        current_count: Current rows with the property.
        current_total: Current rows in all.

    Returns:
        ``z`` (positive when the current rate is higher) and its two-sided p-value; not
        computable when either total is 0.

    Raises:
        InvalidParameterError: A count or total that is not a non-negative integer, or a count
            above its total.

    Example:
        >>> result = proportions_ztest(10, 100, 10, 100)
        >>> result.statistic, result.p_value
        (0.0, 1.0)
    """
    x1 = as_count("reference_count", reference_count)
    n1 = as_count("reference_total", reference_total)
    x2 = as_count("current_count", current_count)
    n2 = as_count("current_total", current_total)
    if x1 > n1:
        raise InvalidParameterError(
            f"reference_count {x1} exceeds reference_total {n1}", field="reference_count"
        )
    if x2 > n2:
        raise InvalidParameterError(
            f"current_count {x2} exceeds current_total {n2}", field="current_count"
        )
    if n1 == 0:
        return StatResult.not_computable("reference_total is 0")
    if n2 == 0:
        return StatResult.not_computable("current_total is 0")
    pooled = (x1 + x2) / (n1 + n2)
    if x1 + x2 in {0, n1 + n2}:
        return StatResult(0.0, 1.0)
    standard_error = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (x2 / n2 - x1 / n1) / standard_error
    return StatResult(z, two_sided_normal_p(z))
