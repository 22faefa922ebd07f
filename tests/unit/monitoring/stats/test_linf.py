"""L-infinity distance between category frequency vectors."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from driftloop.monitoring.stats import linf


@st.composite
def aligned(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    size = draw(st.integers(1, 50))
    vector = st.lists(st.integers(0, 10_000), min_size=size, max_size=size)
    return draw(vector), draw(vector)


def test_largest_share_change() -> None:
    assert math.isclose(linf([60, 30, 10], [40, 40, 20]).statistic, 0.2, rel_tol=1e-12)
    assert linf([1, 0], [0, 1]).statistic == 1.0


@settings(max_examples=80, deadline=None)
@given(aligned())
def test_bounded_symmetric_and_matches_numpy(pair: tuple[list[int], list[int]]) -> None:
    reference, current = pair
    result = linf(reference, current)
    if sum(reference) == 0 or sum(current) == 0:
        assert not result.computable
        return
    shares = [
        abs(r / sum(reference) - c / sum(current)) for r, c in zip(reference, current, strict=True)
    ]
    assert math.isclose(result.statistic, max(shares), abs_tol=1e-15)
    assert 0.0 <= result.statistic <= 1.0
    assert result.statistic == linf(current, reference).statistic
    assert linf(reference, reference).statistic == 0.0
