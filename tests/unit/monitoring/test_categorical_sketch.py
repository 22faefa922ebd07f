"""Categorical and boolean sketches against pandas' value_counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftloop.monitoring._categorical_sketch import (
    CategoricalSketch,
    FrozenCounts,
    sketch_boolean,
    sketch_categorical,
)

_RNG = np.random.default_rng


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.sampled_from(["a", "b", "", "é", "c d", "x"])), max_size=80
    ),
    top_k=st.integers(1, 8),
)
def test_frequencies_match_value_counts(values: list[str | None], top_k: int) -> None:
    series = pd.Series(values, dtype=object)
    summary = sketch_categorical(series, top_k=top_k, sample_size=10, rng=_RNG(0))
    sketch = summary.sketch
    expected = series.value_counts()

    assert summary.missing_count == int(series.isna().sum())
    assert sketch.distinct_count == len(expected)
    assert len(sketch.frequencies) == min(top_k, len(expected))
    for key, count in sketch.frequencies.items():
        assert count == expected[key]
    counts = list(sketch.frequencies.values())
    assert counts == sorted(counts, reverse=True)
    left_out = expected.drop(list(sketch.frequencies))
    assert all(count <= min(counts, default=0) for count in left_out)
    assert sketch.other_count == int(left_out.sum())
    assert set(summary.sample) <= set(expected.index)


def test_ties_keep_first_appearance_order() -> None:
    series = pd.Series(["b", "a", "c", "a", "b", "d"], dtype="str")
    sketch = sketch_categorical(series, top_k=3, sample_size=0, rng=_RNG(0)).sketch
    assert list(sketch.frequencies.items()) == [("b", 2), ("a", 2), ("c", 1)]
    assert (sketch.other_count, sketch.distinct_count) == (1, 4)


def test_pandas_categoricals_skip_unused_categories_and_stringify_keys() -> None:
    series = pd.Series(pd.Categorical([1, 2, 2, None], categories=[1, 2, 3]))
    summary = sketch_categorical(series, top_k=5, sample_size=10, rng=_RNG(0))
    assert dict(summary.sketch.frequencies) == {"2": 2, "1": 1}
    assert summary.sketch.distinct_count == 2
    assert summary.missing_count == 1
    assert summary.sample == ("1", "2", "2")


def test_booleans_count_true_and_false_most_frequent_first() -> None:
    summary = sketch_boolean(
        pd.Series([False, None, False, True], dtype="boolean"), sample_size=10, rng=_RNG(0)
    )
    assert list(summary.sketch.frequencies.items()) == [("false", 2), ("true", 1)]
    assert summary.missing_count == 1
    assert summary.sample == (False, False, True)
    tie = sketch_boolean(np.array([True, False]), sample_size=0, rng=_RNG(0)).sketch
    assert list(tie.frequencies) == ["true", "false"]
    empty = sketch_boolean(np.array([], dtype=bool), sample_size=3, rng=_RNG(0)).sketch
    assert empty == CategoricalSketch({"true": 0, "false": 0}, 0, 0)


def test_frequencies_are_read_only_and_hashable() -> None:
    sketch = CategoricalSketch({"a": 2}, other_count=0, distinct_count=1)
    assert isinstance(sketch.frequencies, FrozenCounts)
    assert sketch.frequencies == {"a": 2}
    assert hash(sketch) == hash(CategoricalSketch({"a": 2}, 0, 1))
    with pytest.raises(TypeError, match="does not support item assignment"):
        sketch.frequencies["a"] = 3  # type: ignore[index]
