"""Numeric sketches against numpy oracles: quantile edges, histogram counts, moments."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from driftloop.monitoring._numeric_sketch import (
    QUANTILE_POINTS,
    NumericSketch,
    quantile_function,
    sketch_numeric,
    sorted_quantiles,
)


def _sketch(values: np.ndarray, bins: int = 10, sample_size: int = 1000) -> NumericSketch:
    rng = np.random.default_rng(0)
    return sketch_numeric(
        np.asarray(values, dtype=np.float64), bins=bins, sample_size=sample_size, rng=rng
    ).sketch


def _oracle_edges(finite: np.ndarray, bins: int) -> np.ndarray:
    edges = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, bins + 1)))
    return np.repeat(edges, 2) if len(edges) == 1 else edges


moderate = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    values=hnp.arrays(np.float64, st.integers(1, 300), elements=moderate), bins=st.integers(1, 12)
)
def test_edges_counts_and_moments_match_numpy(values: np.ndarray, bins: int) -> None:
    sketch = _sketch(values, bins)

    expected_edges = _oracle_edges(values, bins)
    assert sketch.bin_edges == tuple(expected_edges.tolist())
    assert sketch.bin_counts == tuple(np.histogram(values, bins=expected_edges)[0].tolist())
    assert sum(sketch.bin_counts) == len(values)
    assert sketch.min == values.min()
    assert sketch.max == values.max()
    assert sketch.mean is not None
    assert sketch.std is not None
    assert math.isclose(sketch.mean, float(np.mean(values)), rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(sketch.std, float(np.std(values)), rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    values=hnp.arrays(
        np.float64,
        st.integers(1, 200),
        elements=st.floats(allow_nan=False, allow_infinity=False, width=64),
    ),
    bins=st.integers(1, 20),
)
def test_sorted_quantiles_are_numpy_quantiles_bit_for_bit(values: np.ndarray, bins: int) -> None:
    ordered = np.sort(values)
    with np.errstate(over="ignore", invalid="ignore"):  # both overflow on ranges over 1.8e308
        expected = np.quantile(values, np.linspace(0.0, 1.0, bins + 1))
        ours = sorted_quantiles(ordered, bins)
    np.testing.assert_array_equal(ours, expected)


def test_oracle_on_a_million_normal_values() -> None:
    values = np.random.default_rng(7).normal(3.0, 2.0, size=1_000_000)
    sketch = _sketch(values)
    expected_edges = np.quantile(values, np.linspace(0.0, 1.0, 11))
    assert sketch.bin_edges == tuple(expected_edges.tolist())
    assert sketch.bin_counts == tuple(np.histogram(values, bins=expected_edges)[0].tolist())
    assert math.isclose(sketch.mean or 0.0, float(values.mean()), rel_tol=1e-9)
    assert math.isclose(sketch.std or 0.0, float(values.std()), rel_tol=1e-9)


def _oracle_quantile_function(values: np.ndarray, points: int) -> list[float]:
    ordered = sorted(values.tolist())
    count = min(points, len(ordered))
    return [
        ordered[min(int((k + 0.5) * len(ordered) / count), len(ordered) - 1)] for k in range(count)
    ]


@settings(max_examples=60, deadline=None)
@given(
    values=hnp.arrays(np.float64, st.integers(1, 3000), elements=moderate),
    points=st.integers(1, 1200),
)
def test_quantile_function_is_the_order_statistics_at_mid_points(
    values: np.ndarray, points: int
) -> None:
    ours = quantile_function(np.sort(values), points).tolist()
    assert ours == _oracle_quantile_function(values, points)


def test_the_sketch_keeps_the_quantile_function_of_the_finite_values() -> None:
    values = np.random.default_rng(3).gamma(2.0, 2.0, size=200_001)
    values[::1000] = np.nan
    values[1::1000] = np.inf
    sketch = _sketch(values)
    finite = values[np.isfinite(values)]
    assert len(sketch.quantiles) == QUANTILE_POINTS
    assert list(sketch.quantiles) == _oracle_quantile_function(finite, QUANTILE_POINTS)
    small = np.array([3.0, np.nan, 1.0, 2.0])
    assert _sketch(small).quantiles == (1.0, 2.0, 3.0)  # few values: all of them, sorted


def test_infinities_are_counted_apart_and_do_not_break_the_statistics() -> None:
    values = np.array([1.0, np.inf, 2.0, -np.inf, np.nan, 3.0, np.inf])
    summary = sketch_numeric(values, bins=4, sample_size=10, rng=np.random.default_rng(0))
    sketch = summary.sketch
    assert summary.missing_count == 1
    assert (sketch.positive_infinity_count, sketch.negative_infinity_count) == (2, 1)
    assert (sketch.min, sketch.max, sketch.mean) == (1.0, 3.0, 2.0)
    assert sketch.bin_edges[0] == 1.0
    assert sketch.bin_edges[-1] == 3.0
    assert sum(sketch.bin_counts) == 3
    assert summary.sample == (1.0, 2.0, 3.0)


def test_only_infinities_and_nans_give_an_empty_sketch() -> None:
    summary = sketch_numeric(
        np.array([np.inf, np.nan, -np.inf]), bins=3, sample_size=5, rng=np.random.default_rng(0)
    )
    assert summary.sketch == NumericSketch((), (), None, None, None, None, 1, 1, ())
    assert summary.missing_count == 1
    assert summary.sample == ()


@pytest.mark.parametrize("constant", [0.0, -0.0, 5.5, -1e300, 1e-320])
def test_a_constant_column_has_one_bin_between_two_equal_edges(constant: float) -> None:
    values = np.full(50, constant)
    sketch = _sketch(values)
    assert sketch.bin_edges == (constant, constant)
    assert sketch.bin_counts == (50,)
    assert sketch.bin_counts == tuple(np.histogram(values, bins=sketch.bin_edges)[0].tolist())
    assert sketch.std == 0.0
    assert sketch.mean == constant


@settings(max_examples=40, deadline=None)
@given(
    values=hnp.arrays(
        np.float64,
        st.integers(1, 100),
        elements=st.one_of(
            st.floats(min_value=1e300, max_value=1.7e308),
            st.floats(min_value=-1.7e308, max_value=-1e300),
            st.floats(min_value=-1e-300, max_value=1e-300),
        ),
    )
)
def test_extreme_magnitudes_stay_finite_and_ordered(values: np.ndarray) -> None:
    sketch = _sketch(values, bins=5)  # pytest turns any overflow warning into a failure
    assert sketch.min is not None
    assert sketch.max is not None
    assert sketch.mean is not None
    assert sketch.std is not None
    assert sketch.min <= sketch.mean <= sketch.max
    assert math.isfinite(sketch.std)
    assert sketch.std >= 0.0
    assert list(sketch.bin_edges) == sorted(set(sketch.bin_edges)) or len(sketch.bin_edges) == 2
    assert sum(sketch.bin_counts) == len(values)


def test_the_input_is_not_modified_unless_owned() -> None:
    values = np.array([3.0, 1.0, 2.0])
    _sketch(values)
    assert values.tolist() == [3.0, 1.0, 2.0]
