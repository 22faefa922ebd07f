"""Wasserstein-1 against scipy.stats.wasserstein_distance, and its normalisation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.stats import wasserstein

finite = hnp.arrays(np.float64, st.integers(1, 80), elements=st.floats(-1e6, 1e6, allow_nan=False))


@settings(max_examples=100, deadline=None)
@given(finite, finite)
def test_unscaled_matches_scipy_rel_1e9(reference: np.ndarray, current: np.ndarray) -> None:
    """With scale=1: within 1e-9 relative (plus 1e-9 absolute) of scipy; symmetric."""
    result = wasserstein(reference, current, scale=1.0)
    expected = stats.wasserstein_distance(reference, current)
    assert math.isclose(result.statistic, expected, rel_tol=1e-9, abs_tol=1e-9)
    assert result.statistic >= 0
    assert math.isclose(
        wasserstein(current, reference, scale=1.0).statistic,
        result.statistic,
        rel_tol=1e-9,
        abs_tol=1e-9,
    )
    assert wasserstein(reference, reference, scale=1.0).statistic == 0.0


def test_default_scale_is_reference_population_std() -> None:
    rng = np.random.default_rng(2)
    reference, current = rng.normal(10.0, 4.0, size=5000), rng.normal(12.0, 4.0, size=5000)
    expected = stats.wasserstein_distance(reference, current) / np.std(reference)
    assert wasserstein(reference, current).statistic == pytest.approx(expected, rel=1e-9)
    # A shift of two standard deviations reads as about 2 whatever the units.
    scaled = wasserstein(reference * 1000, current * 1000).statistic
    assert scaled == pytest.approx(0.5, abs=0.05)


def test_constant_reference() -> None:
    assert wasserstein([3.0, 3.0], [3.0]).statistic == 0.0
    assert wasserstein([3.0, 3.0], [3.0, 4.0]).statistic == math.inf


def test_infinities_are_left_out_and_all_infinite_is_not_computable() -> None:
    with_inf = wasserstein([0.0, 1.0, np.inf], [0.0, 1.0, -np.inf], scale=1.0)
    assert with_inf.statistic == 0.0
    assert wasserstein([np.inf], [1.0]).reason == "reference has no finite value"
    assert wasserstein([1.0], [-np.inf]).reason == "current has no finite value"
    assert wasserstein([], [1.0]).reason == "reference has no finite value"


def test_huge_values_do_not_overflow() -> None:
    result = wasserstein([-1e308, 1e308], [-1e308, 1e308])
    assert result.statistic == 0.0
    shifted = wasserstein([-1e308, 1e308], [1e308, 1e308], scale=1e308)
    assert math.isfinite(shifted.statistic)
    assert shifted.statistic == pytest.approx(1.0)


@pytest.mark.parametrize("scale", [-1.0, math.inf, math.nan, "1"])
def test_bad_scale_is_refused(scale: float) -> None:
    with pytest.raises(InvalidParameterError, match="scale") as raised:
        wasserstein([1.0], [2.0], scale=scale)
    assert raised.value.field == "scale"
