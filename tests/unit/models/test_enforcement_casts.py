"""``enforce_signature``'s casting rules for column signatures: lossless casts are made,
unsafe ones refused naming the column, the type and the finding."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from tests.unit.models.enforcement_support import columns, enforce_one, one

from driftloop.errors import SignatureError
from driftloop.models.enforcement import EnforcedInput, enforce_signature
from driftloop.models.signature import ColumnSpec, DataType, Schema, infer_signature


@pytest.mark.parametrize(
    ("values", "kind", "dtype"),
    [
        (np.array([1, -2], dtype=np.int8), DataType.DOUBLE, np.float64),
        (np.array([1, -2], dtype=np.int32), DataType.DOUBLE, np.float64),
        (np.array([1, 2], dtype=np.uint32), DataType.DOUBLE, np.float64),
        (np.array([1, -2], dtype=np.int64), DataType.DOUBLE, np.float64),
        (np.array([1, -2], dtype=np.int16), DataType.FLOAT, np.float32),
        (np.array([1, -2], dtype=np.int64), DataType.FLOAT, np.float32),
        (np.array([1, -2], dtype=np.int8), DataType.LONG, np.int64),
        (np.array([1, 2], dtype=np.uint32), DataType.LONG, np.int64),
        (np.array([1, 2], dtype=np.uint64), DataType.LONG, np.int64),
        (np.array([1, -2], dtype=np.int64), DataType.INTEGER, np.int32),
        (np.array([1.5], dtype=np.float32), DataType.DOUBLE, np.float64),
        (np.array([1.5], dtype=np.float16), DataType.FLOAT, np.float32),
        (pd.array([1, 2], dtype="Int64"), DataType.LONG, np.int64),
        (pd.array([1, None], dtype="Int64"), DataType.DOUBLE, np.float64),
        (pd.array([1.5, None], dtype="Float64"), DataType.DOUBLE, np.float64),
        (pd.array([True, False], dtype="boolean"), DataType.BOOLEAN, np.bool_),
        (pd.Series([1, 2], dtype=object), DataType.LONG, np.int64),
        (pd.Series([1, None], dtype=object), DataType.DOUBLE, np.float64),
        (pd.Series([1.5, 2], dtype=object), DataType.DOUBLE, np.float64),
        (pd.Series([True, False], dtype=object), DataType.BOOLEAN, np.bool_),
        (pd.Series([1.5, 2.5], dtype="category"), DataType.DOUBLE, np.float64),
        (np.array([1.5, np.nan]), DataType.DOUBLE, np.float64),
    ],
)
def test_lossless_casts_are_made(values: Any, kind: DataType, dtype: Any) -> None:
    result = enforce_one(values, kind)
    assert result.dtype == dtype
    expected = pd.Series(values).astype("float64").tolist()
    assert result.astype("float64").tolist() == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize(
    ("values", "kind", "match"),
    [
        ([1.5, 2.0], DataType.LONG, r"expects long \(int64\) but got float64: .* \(e\.g\. 1\.5\)"),
        ([1.0, 2.0], DataType.LONG, "never cast to integers, even whole ones"),
        ([1.0, None], DataType.INTEGER, "float64 with 1 missing value: integer columns cannot"),
        (pd.array([1, None], dtype="Int64"), DataType.LONG, "Int64 with 1 missing value"),
        (pd.Series([1, None], dtype=object), DataType.LONG, "1 missing value"),
        ([2**40], DataType.INTEGER, r"outside \[-2147483648, 2147483647\].*1099511627776"),
        ([2**53 + 1], DataType.DOUBLE, r"cannot represent integers beyond ±2\*\*53 exactly"),
        ([-(2**63)], DataType.DOUBLE, "beyond ±2\\*\\*53"),
        ([2**24 + 1], DataType.FLOAT, r"float \(float32\) cannot represent integers beyond"),
        (np.array([2**63], dtype=np.uint64), DataType.LONG, "do not fit"),
        ([1.5], DataType.FLOAT, r"expects float \(float32\) but got float64: .*lose precision"),
        ([True, False], DataType.DOUBLE, "got bool: booleans are never cast to numbers"),
        ([1, 0], DataType.BOOLEAN, "got int64: numbers are never cast to booleans"),
        (pd.array([True, None], dtype="boolean"), DataType.BOOLEAN, "1 missing value"),
        (pd.array([True, None], dtype="boolean"), DataType.DOUBLE, "booleans are never cast"),
        (pd.Series([True, None], dtype=object), DataType.BOOLEAN, "1 missing value"),
        (["1", "2"], DataType.DOUBLE, "got str: strings are never parsed as numbers"),
        (pd.Series(["1"], dtype=object), DataType.LONG, r"object \(strings\): strings are never"),
        ([1, 2], DataType.STRING, "got int64: numbers are never converted to string"),
        ([1.5], DataType.BINARY, "numbers are never converted to binary"),
        (["a"], DataType.BINARY, "got str: these values cannot become binary"),
        (pd.Series(["a", 1], dtype=object), DataType.STRING, r"object \(integers mixed with"),
        (pd.Series([2**70], dtype=object), DataType.LONG, "beyond the int64 range"),
        ([1, 2], DataType.DATETIME, "got int64: these values cannot become datetime"),
        (["not a date"], DataType.DATETIME, "not ISO 8601 dates"),
        (pd.to_timedelta(["1D"]), DataType.DOUBLE, "timedelta64"),
    ],
)
def test_unsafe_casts_are_refused_naming_column_type_and_finding(
    values: Any, kind: DataType, match: str
) -> None:
    with pytest.raises(SignatureError, match=match) as caught:
        enforce_signature(pd.DataFrame({"c": values}), one(kind))
    assert caught.value.field == "c"
    assert caught.value.code == "SIGNATURE_MISMATCH"
    assert str(caught.value).startswith(f"column 'c' expects {kind.value}")


def test_strings_and_missing_values_in_string_columns() -> None:
    assert enforce_one(pd.Series(["a", None], dtype=object), DataType.STRING).tolist() == [
        "a",
        None,
    ]
    assert enforce_one(pd.array(["a", None], dtype="string"), DataType.STRING).isna().tolist() == [
        False,
        True,
    ]
    assert enforce_one([b"x", None], DataType.BINARY).tolist() == [b"x", None]


def test_datetimes_are_kept_or_parsed_from_iso_strings() -> None:
    stamps = pd.to_datetime(["2024-01-01", "2024-02-01"]).tz_localize("UTC")
    kept = enforce_one(stamps, DataType.DATETIME)
    assert kept.dtype == stamps.dtype
    parsed = enforce_one(["2024-01-01", "2024-01-02T10:30:00"], DataType.DATETIME)
    assert parsed.dtype.kind == "M"
    assert parsed.tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02 10:30")]
    objects = enforce_one(
        pd.Series([dt.datetime(2024, 1, 1), None], dtype=object), DataType.DATETIME
    )
    assert objects.dtype.kind == "M"
    assert objects.isna().tolist() == [False, True]


def test_uniform_numeric_path_refuses_like_the_column_path() -> None:
    schema = columns(a=DataType.DOUBLE, b=DataType.DOUBLE)
    frame = pd.DataFrame({"b": [2**60], "a": [1], "extra": [0.5]})
    with pytest.raises(SignatureError, match="column 'b' expects double") as caught:
        enforce_signature(frame, schema)
    assert caught.value.field == "b"
    booleans = pd.DataFrame({"b": [1.0], "a": np.array([1], dtype=np.int64)}).astype({"a": bool})
    with pytest.raises(SignatureError, match=r"column 'a' expects double .* got bool"):
        enforce_signature(booleans, schema)


def test_uniform_integer_schema_with_float_input_is_refused() -> None:
    schema = columns(a=DataType.LONG, b=DataType.LONG)
    with pytest.raises(SignatureError, match=r"column 'a' expects long .* float64"):
        enforce_signature(pd.DataFrame({"a": [1.5], "b": [1]}), schema)
    ok = enforce_signature(pd.DataFrame({"b": np.array([1], np.int32), "a": [2**40]}), schema)
    assert isinstance(ok.data, pd.DataFrame)
    assert ok.data.dtypes.tolist() == [np.int64, np.int64]
    narrow = columns(a=DataType.INTEGER, b=DataType.INTEGER)
    with pytest.raises(SignatureError, match="column 'a' expects integer"):
        enforce_signature(pd.DataFrame({"b": [1], "a": [2**40], "x": [3]}), narrow)


def test_uniform_float_schema_keeps_float32() -> None:
    schema = columns(a=DataType.FLOAT, b=DataType.FLOAT)
    frame = pd.DataFrame(
        {"b": np.array([0.1], np.float32), "a": np.array([3], np.int16), "x": [0.5]}
    )
    result = enforce_signature(frame, schema).data
    assert isinstance(result, pd.DataFrame)
    assert result.dtypes.tolist() == [np.float32, np.float32]
    assert result["b"].iloc[0] == np.float32(0.1)


def test_unnamed_column_schema_matches_by_position() -> None:
    schema = Schema(columns=(ColumnSpec(None, DataType.DOUBLE), ColumnSpec(None, DataType.LONG)))
    frame = pd.DataFrame({"x": [1.0], "y": [2]})
    assert enforce_signature(frame, schema).data is frame
    converted = enforce_signature(pd.DataFrame({"x": [1], "y": [2]}), schema).data
    assert isinstance(converted, pd.DataFrame)
    assert converted.columns.tolist() == ["x", "y"]
    assert converted.dtypes.tolist() == [np.float64, np.int64]
    from_array = enforce_signature(np.array([[1, 2]]), schema).data
    assert isinstance(from_array, pd.DataFrame)
    assert from_array.dtypes.tolist() == [np.float64, np.int64]
    with pytest.raises(SignatureError, match="column '1' expects long"):
        enforce_signature(np.array([[1.0, 2.5]]), schema)
    with pytest.raises(SignatureError, match=r"expected 2 columns \(matched by position\), got 1"):
        enforce_signature(np.array([1.0]), schema)
    with pytest.raises(SignatureError, match="expected a 1-D or 2-D array"):
        enforce_signature(np.zeros((1, 2, 2)), schema)


# --- inference and enforcement agree ----------------------------------------------------------


def test_inferred_signature_accepts_its_own_data() -> None:
    frame = pd.DataFrame(
        {
            "b": [True, False],
            "i8": np.array([1, 2], dtype=np.int8),
            "i": [1, 2],
            "u64": np.array([1, 2], dtype=np.uint64),
            "f32": np.array([1, 2], dtype=np.float32),
            "f": [1.0, None],
            "s": ["a", None],
            "bin": [b"x", b"y"],
            "d": pd.to_datetime(["2024-01-01", None]),
            "ni": pd.array([1, None], dtype="Int64"),
            "cat": pd.Series(["x", "y"], dtype="category"),
            "obj_int": pd.Series([1, 2], dtype=object),
        }
    )
    schema = infer_signature(frame).inputs
    result = enforce_signature(frame, schema)
    assert isinstance(result, EnforcedInput)
    assert result.dropped_columns == ()
    assert isinstance(result.data, pd.DataFrame)
    assert result.data.columns.tolist() == frame.columns.tolist()


def _exact_ints(dtype: Any) -> st.SearchStrategy[int]:
    info = np.iinfo(dtype)
    return st.integers(max(int(info.min), 1 - 2**53), min(int(info.max), 2**53 - 1))


int_arrays = st.sampled_from(
    [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
).flatmap(
    lambda dtype: hnp.arrays(
        dtype=dtype,
        shape=st.tuples(st.integers(0, 20), st.integers(1, 5)),
        elements=_exact_ints(dtype),
    )
)


@settings(max_examples=60, deadline=None)
@given(int_arrays, st.permutations(range(5)))
def test_any_int_frame_against_a_double_schema_keeps_values(
    values: np.ndarray, order: list[int]
) -> None:
    names = [f"c{i}" for i in range(values.shape[1])]
    frame = pd.DataFrame(values, columns=names)
    schema = Schema(
        columns=tuple(ColumnSpec(names[i], DataType.DOUBLE) for i in order if i < len(names))
    )
    result = enforce_signature(frame, schema).data
    assert isinstance(result, pd.DataFrame)
    assert result.columns.tolist() == list(schema.column_names)
    assert (result.dtypes == np.float64).all()
    for name in schema.column_names:
        assert result[name].tolist() == [float(v) for v in frame[name].tolist()]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=30))
def test_int64_to_double_is_exact_or_refused(values: list[int]) -> None:
    frame = pd.DataFrame({"c": np.array(values, dtype=np.int64)})
    if any(abs(v) >= 2**53 for v in values):
        with pytest.raises(SignatureError, match=r"cannot represent integers beyond ±2\*\*53"):
            enforce_signature(frame, one(DataType.DOUBLE))
        return
    result = enforce_signature(frame, one(DataType.DOUBLE)).data
    assert isinstance(result, pd.DataFrame)
    assert [int(v) for v in result["c"]] == values
