"""Kind inference from dtypes and object values."""

from __future__ import annotations

import decimal
import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftloop.errors import ProfileError
from driftloop.monitoring import ColumnKind
from driftloop.monitoring._kinds import infer_kind


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (np.array([True, False]), ColumnKind.BOOLEAN),
        (pd.Series([True, None], dtype="boolean"), ColumnKind.BOOLEAN),
        (pd.Series([True, None], dtype=object), ColumnKind.BOOLEAN),
        (np.array([1, 2], dtype=np.int8), ColumnKind.NUMERIC),
        (np.array([1, 2], dtype=np.uint64), ColumnKind.NUMERIC),
        (np.array([1.5, np.nan], dtype=np.float32), ColumnKind.NUMERIC),
        (pd.Series([1, None], dtype="Int64"), ColumnKind.NUMERIC),
        (pd.Series([1.0, None], dtype="Float64"), ColumnKind.NUMERIC),
        (pd.Series([1, 2.5, None], dtype=object), ColumnKind.NUMERIC),
        (pd.Series([decimal.Decimal("1.5")], dtype=object), ColumnKind.NUMERIC),
        (pd.Series(pd.to_datetime(["2024-01-01", None])), ColumnKind.NUMERIC),
        (pd.Series(pd.to_timedelta(["1s", None])), ColumnKind.NUMERIC),
        (pd.Series(["a", None], dtype="str"), ColumnKind.CATEGORICAL),
        (pd.Series(["a", None], dtype="string"), ColumnKind.CATEGORICAL),
        (pd.Series(["a", None], dtype=object), ColumnKind.CATEGORICAL),
        (pd.Series(["a", pd.NaT], dtype=object), ColumnKind.CATEGORICAL),
        (pd.Series([None, None], dtype=object), ColumnKind.CATEGORICAL),
        (pd.Series([1, 2], dtype="category"), ColumnKind.CATEGORICAL),
        (np.array(["a", "b"]), ColumnKind.CATEGORICAL),
    ],
)
def test_kinds(values: np.ndarray | pd.Series, kind: ColumnKind) -> None:
    assert infer_kind(values, name="c", field="c") is kind


@pytest.mark.parametrize("values", [[1, "a"], ["a", 2.5], [np.int64(3), "x", None]])
def test_numbers_mixed_with_strings_are_refused_naming_the_column(values: list[object]) -> None:
    with pytest.raises(ProfileError, match="column 'mixed' mixes numbers and strings") as info:
        infer_kind(pd.Series(values, dtype=object), name="mixed", field="mixed")
    assert info.value.field == "mixed"


@pytest.mark.parametrize(
    ("values", "shown"),
    [([True, "a"], "boolean, string"), ([b"x"], "bytes"), ([{"a": 1}], "dict")],
)
def test_other_mixes_and_types_are_refused(values: list[object], shown: str) -> None:
    with pytest.raises(ProfileError, match=rf"column 'odd' holds .*\({shown}\)"):
        infer_kind(pd.Series(values, dtype=object), name="odd", field="odd")


def test_complex_and_exotic_dtypes_are_refused() -> None:
    with pytest.raises(ProfileError, match="complex numbers"):
        infer_kind(np.array([1j]), name="z", field="z")
    with pytest.raises(ProfileError, match="dtype period"):
        infer_kind(pd.Series(pd.period_range("2024", periods=2, freq="D")), name="p", field="p")


@settings(max_examples=40, deadline=None)
@given(
    numbers=st.lists(st.one_of(st.integers(), st.floats(allow_nan=False)), min_size=1, max_size=5),
    strings=st.lists(st.text(max_size=3), min_size=1, max_size=5),
    missing=st.lists(st.sampled_from([None, np.nan, pd.NA]), max_size=3),
    order=st.randoms(use_true_random=False),
)
def test_any_mix_of_numbers_and_strings_is_refused(
    numbers: list[object], strings: list[str], missing: list[object], order: random.Random
) -> None:
    values = [*numbers, *strings, *missing]
    order.shuffle(values)
    with pytest.raises(ProfileError, match="column 'm' mixes numbers and strings"):
        infer_kind(pd.Series(values, dtype=object), name="m", field="m")
