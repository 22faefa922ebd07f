"""PSI against a direct numpy formula, its smoothing, bounds and symmetry."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.stats import psi

counts = st.lists(st.integers(0, 10_000), min_size=1, max_size=30)


@st.composite
def aligned(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    size = draw(st.integers(1, 30))
    vector = st.lists(st.integers(0, 10_000), min_size=size, max_size=size)
    return draw(vector), draw(vector)


def test_matches_textbook_formula_rel_1e12() -> None:
    reference = np.array([120.0, 300.0, 80.0, 500.0])
    current = np.array([100.0, 350.0, 150.0, 400.0])
    p, q = reference / reference.sum(), current / current.sum()
    expected = float(np.sum((q - p) * np.log(q / p)))
    assert math.isclose(psi(reference, current).statistic, expected, rel_tol=1e-12)


def test_tiny_share_is_floored_at_epsilon_like_an_empty_bin() -> None:
    floored = psi([10**9, 1], [1, 1]).statistic
    assert floored == pytest.approx(psi([10**9, 0], [1, 1]).statistic, rel=1e-6)


def test_empty_bin_is_smoothed_with_epsilon_not_renormalised() -> None:
    result = psi([100, 0], [50, 50], epsilon=1e-4)
    expected = (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - 1e-4) * math.log(0.5 / 1e-4)
    assert math.isclose(result.statistic, expected, rel_tol=1e-12)
    assert result.p_value is None


def test_unseen_category_bucket_counts_as_drift() -> None:
    # The caller appends an "unseen" bucket; the reference holds none of it.
    assert psi([500, 500, 0], [450, 450, 100]).statistic > 0.25


@settings(max_examples=80, deadline=None)
@given(aligned())
def test_non_negative_and_symmetric(pair: tuple[list[int], list[int]]) -> None:
    reference, current = pair
    forward, backward = psi(reference, current), psi(current, reference)
    if sum(reference) == 0 or sum(current) == 0:
        assert not forward.computable
        assert math.isnan(forward.statistic)
        return
    assert forward.statistic >= 0
    assert math.isclose(forward.statistic, backward.statistic, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=50, deadline=None)
@given(counts.filter(lambda values: sum(values) > 0), st.integers(1, 5))
def test_identical_proportions_give_zero(reference: list[int], factor: int) -> None:
    assert psi(reference, [value * factor for value in reference]).statistic == pytest.approx(
        0.0, abs=1e-12
    )


def test_empty_side_is_not_computable() -> None:
    result = psi([0, 0], [1, 2])
    assert (result.computable, result.reason) == (False, "reference_counts are empty")
    assert psi([1, 2], [0, 0]).reason == "current_counts are empty"


@pytest.mark.parametrize("epsilon", [0, 1, -0.1, 2.0, math.nan, True])
def test_epsilon_must_be_in_open_unit_interval(epsilon: float) -> None:
    with pytest.raises(InvalidParameterError, match="epsilon") as raised:
        psi([1, 2], [2, 1], epsilon=epsilon)
    assert raised.value.field == "epsilon"
