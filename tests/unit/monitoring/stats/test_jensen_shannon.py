"""Jensen-Shannon distance against scipy.spatial.distance.jensenshannon (base 2)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon

from driftloop.monitoring.stats import jensen_shannon


@st.composite
def aligned(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    size = draw(st.integers(1, 30))
    vector = st.lists(st.integers(0, 10_000), min_size=size, max_size=size)
    return draw(vector), draw(vector)


@settings(max_examples=100, deadline=None)
@given(aligned())
def test_matches_scipy_abs_1e9_and_lies_in_unit_interval(pair: tuple[list[int], list[int]]) -> None:
    """Agreement with scipy within 1e-9 absolute (sqrt amplifies rounding near 0)."""
    reference, current = pair
    result = jensen_shannon(reference, current)
    if sum(reference) == 0 or sum(current) == 0:
        assert not result.computable
        return
    expected = float(jensenshannon(np.array(reference, float), np.array(current, float), base=2))
    assert math.isclose(result.statistic, expected, abs_tol=1e-9)
    assert 0.0 <= result.statistic <= 1.0
    assert result.statistic == jensen_shannon(current, reference).statistic
    assert result.p_value is None


def test_disjoint_supports_give_one_and_equal_give_zero() -> None:
    assert jensen_shannon([5, 0, 0], [0, 3, 4]).statistic == 1.0
    assert jensen_shannon([2, 4, 6], [1, 2, 3]).statistic == 0.0


def test_unseen_category_moves_the_distance() -> None:
    assert jensen_shannon([100, 100, 0], [100, 100, 50]).statistic > 0.1
