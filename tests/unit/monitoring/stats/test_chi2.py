"""Chi-square homogeneity test against scipy.stats.chi2_contingency(correction=False)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from driftloop.monitoring.stats import chi_square


@st.composite
def aligned(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    size = draw(st.integers(1, 20))
    vector = st.lists(st.integers(0, 5_000), min_size=size, max_size=size)
    return draw(vector), draw(vector)


@settings(max_examples=100, deadline=None)
@given(aligned())
def test_matches_chi2_contingency_rel_1e9(pair: tuple[list[int], list[int]]) -> None:
    """Statistic within 1e-9 relative; p-value within 1e-9 relative or 1e-300 absolute."""
    reference, current = pair
    result = chi_square(reference, current)
    if sum(reference) == 0 or sum(current) == 0:
        assert not result.computable
        return
    table = np.array([reference, current])
    table = table[:, table.sum(axis=0) > 0]
    assert result.p_value is not None
    if table.shape[1] == 1:
        assert (result.statistic, result.p_value) == (0.0, 1.0)
        return
    expected = stats.chi2_contingency(table, correction=False)
    assert math.isclose(result.statistic, expected.statistic, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(result.p_value, expected.pvalue, rel_tol=1e-9, abs_tol=1e-300)
    swapped = chi_square(current, reference)
    assert math.isclose(swapped.statistic, result.statistic, rel_tol=1e-12, abs_tol=1e-12)


def test_matches_chisquare_goodness_of_fit_when_reference_is_huge() -> None:
    """With a reference 10^6 times larger the homogeneity test tends to goodness of fit.

    Tolerance: statistic within 1e-4 relative.
    """
    current = np.array([30, 50, 20])
    reference = np.array([0.25, 0.5, 0.25]) * 1e8
    expected = stats.chisquare(current, f_exp=np.array([0.25, 0.5, 0.25]) * current.sum())
    assert chi_square(reference, current).statistic == pytest.approx(expected.statistic, rel=1e-4)


def test_unseen_category_is_significant() -> None:
    result = chi_square([1000, 1000, 0], [1000, 1000, 200])
    assert result.p_value is not None
    assert result.p_value < 1e-30


def test_identical_counts_give_p_one() -> None:
    assert chi_square([10, 20, 30], [10, 20, 30]) == chi_square([10, 20, 30], [10, 20, 30])
    result = chi_square([10, 20, 30], [10, 20, 30])
    assert result.statistic == 0.0
    assert result.p_value == pytest.approx(1.0, abs=1e-12)
