"""Two-proportion Z-test: z**2 and p-value against chi2_contingency on the 2x2 table."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.stats import proportions_ztest


@st.composite
def two_rates(draw: st.DrawFn) -> tuple[int, int, int, int]:
    n1, n2 = draw(st.integers(1, 100_000)), draw(st.integers(1, 100_000))
    return draw(st.integers(0, n1)), n1, draw(st.integers(0, n2)), n2


@settings(max_examples=100, deadline=None)
@given(two_rates())
def test_z_squared_and_p_match_chi2_contingency_rel_1e9(rates: tuple[int, int, int, int]) -> None:
    """z**2 within 1e-9 relative of the uncorrected chi-square; p within 1e-9 or 1e-300."""
    x1, n1, x2, n2 = rates
    result = proportions_ztest(x1, n1, x2, n2)
    assert result.p_value is not None
    if x1 + x2 in {0, n1 + n2}:
        assert (result.statistic, result.p_value) == (0.0, 1.0)
        return
    expected = stats.chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False)
    assert math.isclose(result.statistic**2, expected.statistic, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(result.p_value, expected.pvalue, rel_tol=1e-9, abs_tol=1e-300)
    assert math.copysign(1, result.statistic) == math.copysign(1, x2 / n2 - x1 / n1) or (
        result.statistic == 0
    )


def test_rising_missing_rate_is_positive_and_significant() -> None:
    result = proportions_ztest(100, 10_000, 300, 10_000)
    assert result.statistic > 0
    assert result.p_value is not None
    assert result.p_value < 1e-10


def test_empty_total_is_not_computable() -> None:
    assert proportions_ztest(0, 0, 1, 2).reason == "reference_total is 0"
    assert proportions_ztest(1, 2, 0, 0).reason == "current_total is 0"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ((3, 2, 0, 1), "reference_count"),
        ((0, 1, 5, 4), "current_count"),
        ((-1, 2, 0, 1), "reference_count"),
        ((0, 2, 0, 1.5), "current_total"),
        ((True, 2, 0, 1), "reference_count"),
        ((0, 2, 0, 2**63), "current_total"),
    ],
)
def test_bad_counts_name_the_argument(arguments: tuple[int, int, int, int], field: str) -> None:
    with pytest.raises(InvalidParameterError, match=field) as raised:
        proportions_ztest(*arguments)
    assert raised.value.field == field
