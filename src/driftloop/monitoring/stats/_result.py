"""The one result type every drift statistic returns."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StatResult:
    """The outcome of one drift statistic on one column.

    Attributes:
        statistic: The statistic's value; NaN exactly when ``computable`` is False.
        p_value: The test's p-value in ``[0, 1]``, or None for a distance that is not a test
            (PSI, Jensen-Shannon, Wasserstein, L-infinity) and for a result that is not
            computable.
        computable: False when the inputs hold no data to compare (an empty window, an empty
            reference); ``reason`` then says why.
        reason: Why the statistic could not be computed, else None.
    """

    statistic: float
    p_value: float | None = None
    computable: bool = True
    reason: str | None = None

    @classmethod
    def not_computable(cls, reason: str) -> StatResult:
        """A result flagged as not computable: NaN statistic, no p-value."""
        return cls(math.nan, None, computable=False, reason=reason)
