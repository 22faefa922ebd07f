"""KS two-sample against scipy.stats.ks_2samp, and the binned-CDF KS against both."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.stats import cumulative_proportions, ks_binned, ks_two_sample

values = hnp.arrays(
    np.float64,
    st.integers(1, 60),
    elements=st.floats(allow_nan=False, allow_infinity=True, width=64),
)
small_ints = hnp.arrays(np.float64, st.integers(1, 60), elements=st.integers(-5, 5).map(float))


@settings(max_examples=100, deadline=None)
@given(st.one_of(values, small_ints), st.one_of(values, small_ints))
def test_exact_matches_ks_2samp_abs_1e12(reference: np.ndarray, current: np.ndarray) -> None:
    """Small samples (exact p-value), ties and infinities: both values within 1e-12."""
    result = ks_two_sample(reference, current)
    with warnings.catch_warnings():
        # scipy warns when it falls back from exact to asymptotic; so do we, silently.
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = stats.ks_2samp(reference, current, method="auto")
    assert result.p_value is not None
    assert math.isclose(result.statistic, expected.statistic, abs_tol=1e-12)
    assert math.isclose(result.p_value, expected.pvalue, rel_tol=1e-9, abs_tol=1e-12)
    assert 0.0 <= result.statistic <= 1.0
    assert ks_two_sample(current, reference).statistic == result.statistic


@pytest.mark.parametrize(("n1", "n2", "shift"), [(12_000, 15_000, 0.0), (20_000, 14_000, 0.03)])
def test_asymptotic_matches_ks_2samp_exactly_up_to_n_10000(n1: int, n2: int, shift: float) -> None:
    """Effective size n1*n2/(n1+n2) <= 10,000: scipy's own kstwo.sf, within 1e-12 relative."""
    rng = np.random.default_rng(42)
    reference, current = rng.normal(size=n1), rng.normal(shift, size=n2)
    result = ks_two_sample(reference, current)
    expected = stats.ks_2samp(reference, current)
    assert result.statistic == expected.statistic
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-12)


@pytest.mark.parametrize("shift", [0.0, 0.01, 0.02, 0.04])
def test_large_asymptotic_p_within_one_percent_of_ks_2samp(shift: float) -> None:
    """Effective size 60,000 (Stephens' limit): p within 1% relative, or 1e-10 absolute."""
    rng = np.random.default_rng(7)
    reference, current = rng.normal(size=120_000), rng.normal(shift, size=120_000)
    result = ks_two_sample(reference, current)
    expected = stats.ks_2samp(reference, current)
    assert result.statistic == expected.statistic
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-2, abs=1e-10)


def test_method_exact_and_asymp_follow_scipy() -> None:
    rng = np.random.default_rng(3)
    reference, current = rng.normal(size=200), rng.normal(0.3, size=150)
    for method in ("exact", "asymp"):
        result = ks_two_sample(reference, current, method=method)
        expected = stats.ks_2samp(reference, current, method=method)
        assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    with pytest.raises(InvalidParameterError, match="method") as raised:
        ks_two_sample(reference, current, method="fast")  # type: ignore[arg-type]
    assert raised.value.field == "method"


def test_identical_samples_give_zero_and_p_one() -> None:
    sample = np.random.default_rng(1).normal(size=500)
    result = ks_two_sample(sample, sample.copy())
    assert (result.statistic, result.p_value) == (0.0, 1.0)


def test_single_values_and_infinities() -> None:
    assert ks_two_sample([1.0], [1.0]).statistic == 0.0
    assert ks_two_sample([1.0], [2.0]).statistic == 1.0
    assert ks_two_sample([-np.inf, 0.0], [0.0, np.inf]).statistic == 0.5


def test_empty_sample_is_not_computable() -> None:
    assert ks_two_sample([], [1.0]).reason == "reference is empty"
    assert ks_two_sample([1.0], []).reason == "current is empty"
    assert ks_binned([0.0, 1.0], [0.0, 1.0], []).reason == "current is empty"


def _binned_reference(sample: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    finite = sample[np.isfinite(sample)]
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)))
    if edges.size == 1:
        edges = np.repeat(edges, 2)
    counts, _ = np.histogram(finite, edges)
    cumulative = cumulative_proportions(
        counts,
        negative_infinity_count=int(np.sum(sample == -np.inf)),
        positive_infinity_count=int(np.sum(sample == np.inf)),
    )
    return edges, cumulative


@pytest.mark.parametrize("shift", [0.0, 0.02, 0.1, 0.5])
def test_fine_bins_agree_with_raw_two_sample_within_2e_3(shift: float) -> None:
    """1000 quantile bins of a 200,000-value reference: D within 0.002 of ks_2samp's.

    The binned CDF is exact at each edge and off by at most one bin's mass (1/1000) inside.
    """
    rng = np.random.default_rng(11)
    reference, current = rng.normal(size=200_000), rng.normal(shift, size=50_000)
    edges, cumulative = _binned_reference(reference, 1000)
    result = ks_binned(edges, cumulative, current, reference_size=reference.size)
    expected = stats.ks_2samp(reference, current)
    assert result.statistic == pytest.approx(expected.statistic, abs=2e-3)
    assert result.p_value is not None


def test_binned_against_a_known_uniform_cdf_is_exact_and_one_sample() -> None:
    """Against a uniform [0, 1] CDF (one bin) the statistic is scipy's one-sample kstest."""
    current = np.random.default_rng(5).uniform(size=400)
    result = ks_binned([0.0, 1.0], [0.0, 1.0], current)
    expected = stats.kstest(current, "uniform", method="exact")
    assert result.statistic == pytest.approx(expected.statistic, abs=1e-12)
    assert result.p_value == pytest.approx(stats.kstwo.sf(expected.statistic, 400), rel=1e-9)


def test_binned_constant_reference_and_infinities() -> None:
    edges, cumulative = [3.0, 3.0], [0.0, 1.0]
    assert ks_binned(edges, cumulative, [3.0, 3.0]).statistic == 0.0
    assert ks_binned(edges, cumulative, [3.0, 4.0]).statistic == 0.5
    # Reference: a quarter -inf, half in [0, 1], a quarter +inf.
    cumulative_inf = cumulative_proportions(
        [2], negative_infinity_count=1, positive_infinity_count=1
    )
    assert cumulative_inf.tolist() == [0.25, 0.75]
    same = ks_binned([0.0, 1.0], cumulative_inf, [-np.inf, 0.25, 0.75, np.inf])
    assert same.statistic == pytest.approx(0.125)
    all_inf = ks_binned([0.0, 1.0], cumulative_inf, [np.inf, np.inf])
    assert all_inf.statistic == pytest.approx(0.75)


def test_binned_p_value_uses_reference_size_when_given() -> None:
    current = np.linspace(0.0, 0.9, 500)
    one_sample = ks_binned([0.0, 1.0], [0.0, 1.0], current)
    two_sample = ks_binned([0.0, 1.0], [0.0, 1.0], current, reference_size=500)
    assert one_sample.statistic == two_sample.statistic
    assert one_sample.p_value == pytest.approx(stats.kstwo.sf(one_sample.statistic, 500))
    assert two_sample.p_value == pytest.approx(stats.kstwo.sf(two_sample.statistic, 250))
    assert ks_binned([0.0, 1.0], [0.0, 1.0], current, reference_size=0).reason == (
        "reference_size is 0"
    )


@pytest.mark.parametrize(
    ("edges", "cumulative", "field"),
    [
        ([0.0], [0.0], "bin_edges"),
        ([1.0, 0.0], [0.0, 1.0], "bin_edges"),
        ([0.0, np.inf], [0.0, 1.0], "bin_edges"),
        ([0.0, np.nan], [0.0, 1.0], "bin_edges"),
        ([0.0, 1.0], [0.0, 0.5, 1.0], "cumulative"),
        ([0.0, 1.0], [0.6, 0.5], "cumulative"),
        ([0.0, 1.0], [0.0, 1.5], "cumulative"),
    ],
)
def test_binned_refuses_malformed_reference(
    edges: list[float], cumulative: list[float], field: str
) -> None:
    with pytest.raises(InvalidParameterError, match=field) as raised:
        ks_binned(edges, cumulative, [0.5])
    assert raised.value.field == field


def _brute_reference_cdf(x: float, edges: list[float], cdf: list[float], *, left: bool) -> float:
    """The documented reference CDF, one point at a time (independent of the vectorised code)."""
    if x == -math.inf:
        return 0.0 if left else cdf[0]
    if x == math.inf:
        return cdf[-1] if left else 1.0
    if (left and x <= edges[0]) or (not left and x < edges[0]):
        return cdf[0]
    if (left and x > edges[-1]) or (not left and x >= edges[-1]):
        return cdf[-1]
    if left:
        upper = next(index for index, edge in enumerate(edges) if edge >= x)
    else:
        upper = next(index for index, edge in enumerate(edges) if edge > x)
    lower = upper - 1
    fraction = (x - edges[lower]) / (edges[upper] - edges[lower])
    return cdf[lower] + (cdf[upper] - cdf[lower]) * fraction


@st.composite
def binned_cases(draw: st.DrawFn) -> tuple[list[float], list[float], list[float]]:
    edges = sorted(draw(st.lists(st.integers(-4, 4).map(float), min_size=2, max_size=7)))
    cdf = sorted(draw(st.lists(st.integers(0, 8), min_size=len(edges), max_size=len(edges))))
    points = st.one_of(st.integers(-10, 10).map(lambda value: value / 2), st.just(math.inf))
    current = draw(st.lists(st.one_of(points, st.just(-math.inf)), min_size=1, max_size=12))
    return edges, [value / 8 for value in cdf], current


@settings(max_examples=150, deadline=None)
@given(binned_cases())
def test_binned_statistic_matches_brute_force_sup_abs_1e12(
    case: tuple[list[float], list[float], list[float]],
) -> None:
    """Sup over every current value and edge, from both sides, of the documented CDF."""
    edges, cdf, current = case
    n = len(current)
    gaps = []
    for point in {*current, *edges}:
        below = sum(value < point for value in current) / n
        at_or_below = sum(value <= point for value in current) / n
        gaps.append(abs(at_or_below - _brute_reference_cdf(point, edges, cdf, left=False)))
        gaps.append(abs(below - _brute_reference_cdf(point, edges, cdf, left=True)))
    result = ks_binned(edges, cdf, current)
    assert result.statistic == pytest.approx(max(gaps), abs=1e-12)
