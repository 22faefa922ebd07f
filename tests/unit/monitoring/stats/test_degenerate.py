"""Degenerate inputs never raise and never emit a numpy warning (warnings are errors here)."""

from __future__ import annotations

import math
import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from driftloop.monitoring.stats import (
    StatResult,
    chi_square,
    cumulative_proportions,
    jensen_shannon,
    ks_binned,
    ks_two_sample,
    linf,
    proportions_ztest,
    psi,
    wasserstein,
)

# Empty, single-valued, constant, infinite and huge samples, all drawn on purpose.
samples = st.one_of(
    hnp.arrays(np.float64, st.integers(0, 40), elements=st.floats(allow_nan=False)),
    st.lists(st.sampled_from([0.0, 1.0, np.inf, -np.inf, 1e308, -1e308]), max_size=6).map(
        lambda values: np.array(values, dtype=np.float64)
    ),
)
count_values = st.one_of(st.integers(0, 3), st.floats(0, 1e300), st.just(0.0))


@st.composite
def count_pairs(draw: st.DrawFn) -> tuple[list[float], list[float]]:
    size = draw(st.integers(0, 8))
    vector = st.lists(count_values, min_size=size, max_size=size).filter(
        lambda values: math.isfinite(sum(values))
    )
    return draw(vector), draw(vector)


def _check(result: StatResult) -> None:
    if not result.computable:
        assert math.isnan(result.statistic)
        assert result.p_value is None
        assert result.reason
        return
    assert not math.isnan(result.statistic)
    if result.p_value is not None:
        assert 0.0 <= result.p_value <= 1.0


@settings(max_examples=200, deadline=None)
@given(count_pairs())
def test_count_statistics_on_degenerate_counts(pair: tuple[list[float], list[float]]) -> None:
    reference, current = pair
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for function in (psi, jensen_shannon, chi_square, linf):
            result = function(reference, current)
            _check(result)
            if result.computable and function is not chi_square:
                assert result.statistic >= 0
        js = jensen_shannon(reference, current)
        assert not js.computable or 0.0 <= js.statistic <= 1.0


@settings(max_examples=200, deadline=None)
@given(samples, samples)
def test_sample_statistics_on_degenerate_samples(
    reference: np.ndarray, current: np.ndarray
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ks = ks_two_sample(reference, current)
        _check(ks)
        assert ks.computable == (reference.size > 0 and current.size > 0)
        _check(wasserstein(reference, current))
        finite = reference[np.isfinite(reference)]
        if finite.size:
            # Order statistics as edges: np.quantile would overflow interpolating +/-1e308.
            ordered = np.sort(finite)
            edges = ordered[np.linspace(0, ordered.size - 1, 5).astype(int)]
            counts, _ = np.histogram(finite, edges)
            cumulative = cumulative_proportions(
                counts,
                negative_infinity_count=int(np.sum(reference == -np.inf)),
                positive_infinity_count=int(np.sum(reference == np.inf)),
            )
            binned = ks_binned(edges, cumulative, current, reference_size=reference.size)
            _check(binned)
            assert binned.computable == (current.size > 0)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 10**12), st.integers(0, 10**12), st.integers(0, 10**12), st.integers(0, 10**12)
)
def test_proportions_on_any_counts(a: int, b: int, c: int, d: int) -> None:
    x1, n1 = sorted((a, b))
    x2, n2 = sorted((c, d))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _check(proportions_ztest(x1, n1, x2, n2))


def test_identical_inputs_give_zero_and_p_one() -> None:
    counts = [5, 0, 7, 1]
    sample = np.array([1.0, 1.0, 2.0, np.inf])
    assert psi(counts, counts).statistic == 0.0
    assert jensen_shannon(counts, counts).statistic == 0.0
    assert linf(counts, counts).statistic == 0.0
    assert chi_square(counts, counts).p_value == 1.0
    assert ks_two_sample(sample, sample).p_value == 1.0
    assert wasserstein(sample, sample).statistic == 0.0
    assert proportions_ztest(3, 10, 3, 10).p_value == 1.0
