"""The values drift computation produces (see :mod:`driftloop.monitoring.drift`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class DriftMethod(enum.StrEnum):
    """How a column's drift is measured.

    Tests (drift when the p-value is below the threshold): ``ks`` (numeric),
    ``chi_square`` (categorical). Distances (drift when the score is at or above the
    threshold): ``wasserstein`` (numeric, normalised by the reference's standard deviation),
    ``psi`` (numeric on the reference's quantile bins, or categorical),
    ``jensen_shannon`` and ``linf`` (categorical, or numeric on the quantile bins).
    """

    KS = "ks"
    CHI_SQUARE = "chi_square"
    WASSERSTEIN = "wasserstein"
    PSI = "psi"
    JENSEN_SHANNON = "jensen_shannon"
    LINF = "linf"

    @property
    def is_test(self) -> bool:
        """Whether the method is a test judged by its p-value."""
        return self in {DriftMethod.KS, DriftMethod.CHI_SQUARE}


DEFAULT_THRESHOLDS: dict[DriftMethod, float] = {
    DriftMethod.KS: 0.05,
    DriftMethod.CHI_SQUARE: 0.05,
    DriftMethod.WASSERSTEIN: 0.1,
    DriftMethod.PSI: 0.2,
    DriftMethod.JENSEN_SHANNON: 0.1,
    DriftMethod.LINF: 0.2,
}
"""Thresholds by method: p-values for tests, scores for distances."""


@dataclass(frozen=True, slots=True)
class Distribution:
    """A column's distribution over the bins drift compared, for charts.

    Attributes:
        labels: Bin labels: ``"[a, b)"`` ranges for numeric columns, category names (plus
            ``"(other)"`` and ``"(unseen)"``) for categorical ones.
        reference: Share of the reference's non-missing values per bin.
        current: Share of the window's non-missing values per bin.
    """

    labels: tuple[str, ...]
    reference: tuple[float, ...]
    current: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class ColumnDrift:
    """One column's verdict.

    Attributes:
        column: The column (``"prediction"`` for prediction drift).
        kind: ``numeric``, ``categorical`` or ``boolean``.
        method: How drift was measured.
        score: The statistic (the KS D, the chi-square statistic, or the distance); NaN when
            not computable.
        p_value: The test's p-value (after false-discovery control when it was on), or None.
        threshold: What ``score`` / ``p_value`` was compared with.
        drifted: The verdict.
        computable: False when the window had no non-missing value (``reason`` says).
        reason: Why it could not be computed, else None.
        reference_rows: Rows in the reference (missing included).
        current_rows: Rows in the window (missing included).
        reference_missing_rate: Share missing in the reference.
        current_missing_rate: Share missing in the window.
        missing_p_value: Two-proportion Z-test of the missing rates, or None.
        missing_drifted: Whether the missing rate changed significantly (p < 0.05) by more
            than one percentage point.
        unseen_categories: Up to 20 window categories the reference never showed.
        unseen_share: Share of the window's non-missing values in unseen categories.
        distribution: The binned distributions compared, for charts.
        importance: The column's weight in a weighted dataset rule, if any.
    """

    column: str
    kind: str
    method: DriftMethod
    score: float
    p_value: float | None
    threshold: float
    drifted: bool
    computable: bool
    reason: str | None
    reference_rows: int
    current_rows: int
    reference_missing_rate: float
    current_missing_rate: float
    missing_p_value: float | None
    missing_drifted: bool
    unseen_categories: tuple[str, ...]
    unseen_share: float
    distribution: Distribution
    importance: float | None = None
