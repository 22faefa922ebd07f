from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from driftloop.errors import SignatureError
from driftloop.models._values import frame_dtypes
from driftloop.models.enforcement import EnforcedInput, as_model_input, enforce_signature
from driftloop.models.signature import (
    ColumnSpec,
    DataType,
    Schema,
    TensorSpec,
    infer_signature,
)


def columns(**types: DataType) -> Schema:
    return Schema(columns=tuple(ColumnSpec(name, kind) for name, kind in types.items()))


def one(kind: DataType) -> Schema:
    return columns(c=kind)


def enforce_one(values: Any, kind: DataType) -> pd.Series:
    result = enforce_signature(pd.DataFrame({"c": values}), one(kind)).data
    assert isinstance(result, pd.DataFrame)
    return result["c"]


SCHEMA = columns(age=DataType.LONG, income=DataType.DOUBLE, city=DataType.STRING)


# --- as_model_input -------------------------------------------------------------------------


def test_dataframes_and_arrays_pass_through_untouched() -> None:
    frame = pd.DataFrame({"a": [1]})
    array = np.zeros((2, 3))
    assert as_model_input(frame) is frame
    assert as_model_input(array) is array


def test_named_series_is_one_column_unnamed_series_is_an_array() -> None:
    named = as_model_input(pd.Series([1, 2], name="a"))
    assert isinstance(named, pd.DataFrame)
    assert named.columns.tolist() == ["a"]
    unnamed = as_model_input(pd.Series([1, 2]))
    assert isinstance(unnamed, np.ndarray)
    assert unnamed.tolist() == [1, 2]


def test_dicts_and_records_become_frames() -> None:
    by_columns = as_model_input({"a": [1, 2], "b": np.array([3.0, 4.0])})
    assert isinstance(by_columns, pd.DataFrame)
    assert by_columns.to_dict(orient="list") == {"a": [1, 2], "b": [3.0, 4.0]}
    record = as_model_input({"a": 1, "b": "x"})
    assert isinstance(record, pd.DataFrame)
    assert record.to_dict(orient="records") == [{"a": 1, "b": "x"}]
    records = as_model_input([{"a": 1}, {"a": 2, "b": 3.0}])
    assert isinstance(records, pd.DataFrame)
    assert records["a"].tolist() == [1, 2]
    assert np.isnan(records["b"].iloc[0])


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (3, "data must be a pandas DataFrame or Series.*got int"),
        ("a,b", "got str"),
        ((1, 2), "got tuple"),
        ([], "data is an empty list"),
        ({}, "data is an empty dict"),
        ([1, 2], "item 0 is of type int"),
        ([{"a": 1}, [1]], "item 1 is of type list"),
        ({"a": [1, 2], "b": 3}, r"mixes columns \(lists\) and scalars \(column 'b'\)"),
        ({"a": [1, 2], "b": [1]}, "columns cannot form a table"),
        ({1: [1]}, "keys must be column names"),
        (np.float64(1.0), "got float64"),
        (np.array(1.0), "at least one dimension"),
    ],
)
def test_as_model_input_refuses_anything_else(data: Any, match: str) -> None:
    with pytest.raises(SignatureError, match=match) as caught:
        as_model_input(data)
    assert caught.value.field == "data"


# --- columns: presence, order, extras ---------------------------------------------------------


def test_matching_frame_is_returned_without_a_copy() -> None:
    frame = pd.DataFrame({"age": [30, 40], "income": [1.0, 2.0], "city": ["a", "b"]})
    result = enforce_signature(frame, SCHEMA)
    assert result.data is frame
    assert result.dropped_columns == ()


def test_matching_frame_with_object_strings_is_returned_as_is() -> None:
    frame = pd.DataFrame({"age": [30], "income": [1.0], "city": pd.Series(["a"], dtype=object)})
    assert enforce_signature(frame, SCHEMA).data is frame


def test_missing_required_column_is_named() -> None:
    frame = pd.DataFrame({"income": [1.0], "city": ["a"]})
    with pytest.raises(
        SignatureError,
        match=r"^input is missing column 'age' \(long\) required by the model signature$",
    ) as caught:
        enforce_signature(frame, SCHEMA)
    assert caught.value.field == "age"


def test_all_missing_columns_are_listed() -> None:
    with pytest.raises(
        SignatureError, match=r"missing columns 'age' \(long\), 'city' \(string\) required"
    ) as caught:
        enforce_signature({"income": [1.0]}, SCHEMA)
    assert caught.value.field == "age"


def test_missing_optional_column_is_left_out() -> None:
    schema = Schema(
        columns=(ColumnSpec("a", DataType.DOUBLE), ColumnSpec("b", DataType.DOUBLE, False))
    )
    result = enforce_signature({"a": [1.0], "z": [0]}, schema)
    assert isinstance(result.data, pd.DataFrame)
    assert result.data.columns.tolist() == ["a"]
    assert result.dropped_columns == ("z",)
    present = enforce_signature({"b": [2], "a": [1.0]}, schema).data
    assert isinstance(present, pd.DataFrame)
    assert present.columns.tolist() == ["a", "b"]
    assert present["b"].dtype == np.float64


def test_missing_optional_string_column_is_left_out() -> None:
    schema = Schema(
        columns=(ColumnSpec("a", DataType.STRING), ColumnSpec("b", DataType.LONG, False))
    )
    result = enforce_signature({"a": ["x"]}, schema).data
    assert isinstance(result, pd.DataFrame)
    assert result.columns.tolist() == ["a"]


def test_columns_are_put_in_schema_order_and_extras_dropped_in_input_order() -> None:
    frame = pd.DataFrame(
        {
            "zeta": [1],
            "city": ["a"],
            "id": [7],
            "income": [1.0],
            "age": [30],
        }
    )
    result = enforce_signature(frame, SCHEMA)
    assert isinstance(result.data, pd.DataFrame)
    assert result.data.columns.tolist() == ["age", "income", "city"]
    assert result.dropped_columns == ("zeta", "id")
    assert result.data.to_dict(orient="records") == [{"age": 30, "income": 1.0, "city": "a"}]


def test_extra_columns_with_any_type_are_dropped_on_the_numeric_path() -> None:
    schema = columns(a=DataType.DOUBLE, b=DataType.DOUBLE)
    frame = pd.DataFrame({"b": [2.0], "note": ["x"], "a": [1.0], "when": pd.to_datetime(["2024"])})
    result = enforce_signature(frame, schema)
    assert isinstance(result.data, pd.DataFrame)
    assert result.data.to_dict(orient="list") == {"a": [1.0], "b": [2.0]}
    assert result.dropped_columns == ("note", "when")


def test_non_string_extra_labels_are_reported_as_strings() -> None:
    frame = pd.DataFrame({"a": [1.0], 0: [2.0]})
    result = enforce_signature(frame, columns(a=DataType.DOUBLE))
    assert result.dropped_columns == ("0",)


def test_index_is_kept() -> None:
    frame = pd.DataFrame({"b": [1, 2], "a": [3.0, 4.0]}, index=["r1", "r2"])
    result = enforce_signature(frame, columns(a=DataType.DOUBLE, b=DataType.DOUBLE)).data
    assert isinstance(result, pd.DataFrame)
    assert result.index.tolist() == ["r1", "r2"]
    assert result["b"].tolist() == [1.0, 2.0]


def test_index_with_repeated_labels_is_kept_on_the_per_column_path() -> None:
    schema = columns(a=DataType.DOUBLE, s=DataType.STRING, d=DataType.DATETIME)
    frame = pd.DataFrame(
        {"s": ["x", "y", "z"], "a": [1, 2, 3], "d": ["2024-01-01"] * 3}, index=[0, 0, 1]
    )
    result = enforce_signature(frame, schema).data
    assert isinstance(result, pd.DataFrame)
    assert result.index.tolist() == [0, 0, 1]
    assert result["a"].tolist() == [1.0, 2.0, 3.0]
    assert result["s"].tolist() == ["x", "y", "z"]
    assert result["d"].dtype.kind == "M"


def test_frame_dtypes_agrees_with_the_public_dtypes() -> None:
    frame = pd.DataFrame(
        {
            "a": [1],
            "b": [1.5],
            "c": ["x"],
            "d": pd.array([1], dtype="Int64"),
            "e": pd.to_datetime(["2024"]),
            "f": [1],
        }
    )
    assert frame_dtypes(frame) == list(frame.dtypes)


def test_duplicate_input_column_is_refused() -> None:
    frame = pd.DataFrame([[1.0, 2.0]], columns=["a", "a"])
    with pytest.raises(SignatureError, match="more than one column named 'a'") as caught:
        enforce_signature(frame, columns(a=DataType.DOUBLE))
    assert caught.value.field == "a"


def test_duplicate_extra_columns_are_just_dropped() -> None:
    frame = pd.DataFrame([[1.0, 2.0, 3.0]], columns=["a", "x", "x"])
    result = enforce_signature(frame, columns(a=DataType.DOUBLE))
    assert result.dropped_columns == ("x", "x")


def test_empty_frame_with_the_right_columns_passes() -> None:
    frame = pd.DataFrame(
        {
            "age": np.array([], dtype=np.int64),
            "income": np.array([], dtype=np.float64),
            "city": pd.Series([], dtype=object),
        }
    )
    result = enforce_signature(frame, SCHEMA).data
    assert isinstance(result, pd.DataFrame)
    assert len(result) == 0
    reordered = frame[["city", "income", "age"]]
    assert enforce_signature(reordered, SCHEMA).data.shape == (0, 3)


# --- columns: each input kind ---------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pd.DataFrame({"city": ["a", "b"], "income": [1.0, 2.0], "age": [30, 40]}),
        {"age": [30, 40], "income": [1.0, 2.0], "city": ["a", "b"]},
        {"age": np.array([30, 40]), "income": (1.0, 2.0), "city": pd.Series(["a", "b"])},
        [{"age": 30, "income": 1.0, "city": "a"}, {"city": "b", "income": 2.0, "age": 40}],
    ],
    ids=["dataframe", "dict-of-columns", "dict-of-arrays", "records"],
)
def test_each_input_kind_gives_the_same_frame(data: Any) -> None:
    result = enforce_signature(data, SCHEMA).data
    assert isinstance(result, pd.DataFrame)
    assert result.to_dict(orient="list") == {
        "age": [30, 40],
        "income": [1.0, 2.0],
        "city": ["a", "b"],
    }
    assert result["age"].dtype == np.int64
    assert result["income"].dtype == np.float64


def test_single_record_dict() -> None:
    result = enforce_signature({"city": "a", "age": 30, "income": 1}, SCHEMA).data
    assert isinstance(result, pd.DataFrame)
    assert result.to_dict(orient="records") == [{"age": 30, "income": 1.0, "city": "a"}]
    assert result["income"].dtype == np.float64


def test_records_with_a_gap_in_an_integer_column_say_so() -> None:
    records = [{"age": 30, "income": 1.0, "city": "a"}, {"income": 2.0, "city": "b"}]
    with pytest.raises(
        SignatureError,
        match=r"column 'age' expects long \(int64\) but got float64 with 1 missing value: "
        "long columns cannot hold missing values",
    ):
        enforce_signature(records, SCHEMA)


def test_two_dimensional_array_maps_columns_by_position() -> None:
    schema = columns(a=DataType.DOUBLE, b=DataType.DOUBLE)
    result = enforce_signature(np.array([[1, 2], [3, 4]]), schema).data
    assert isinstance(result, pd.DataFrame)
    assert result.to_dict(orient="list") == {"a": [1.0, 3.0], "b": [2.0, 4.0]}
    assert result.dtypes.tolist() == [np.float64, np.float64]


def test_one_dimensional_array_feeds_a_one_column_schema() -> None:
    result = enforce_signature(np.array([1.5, 2.5]), one(DataType.DOUBLE)).data
    assert isinstance(result, pd.DataFrame)
    assert result["c"].tolist() == [1.5, 2.5]


def test_unnamed_series_feeds_a_one_column_schema() -> None:
    result = enforce_signature(pd.Series([1, 2]), one(DataType.LONG)).data
    assert isinstance(result, pd.DataFrame)
    assert result["c"].tolist() == [1, 2]


@pytest.mark.parametrize(
    "array",
    [np.zeros((2, 3)), np.zeros(3), np.zeros((2, 2, 2))],
    ids=["wrong-width", "1-d-for-two-columns", "3-d"],
)
def test_array_that_does_not_fit_the_columns_is_refused(array: np.ndarray) -> None:
    schema = columns(a=DataType.DOUBLE, b=DataType.DOUBLE)
    with pytest.raises(SignatureError, match=r"expected shape \(n, 2\) for columns 'a', 'b'") as e:
        enforce_signature(array, schema)
    assert e.value.field == "data"


def test_array_values_are_checked_like_columns() -> None:
    with pytest.raises(SignatureError, match="column 'b' expects long"):
        enforce_signature(np.array([[1.0, 2.5]]), columns(a=DataType.DOUBLE, b=DataType.LONG))


# --- columns: casting rules -------------------------------------------------------------------


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


# --- tensors --------------------------------------------------------------------------------

TENSOR = Schema(tensor=TensorSpec("float64", (-1, 4)))


def test_tensor_of_the_right_dtype_is_returned_without_a_copy() -> None:
    array = np.zeros((3, 4))
    result = enforce_signature(array, TENSOR)
    assert result.data is array
    assert result.dropped_columns == ()


def test_tensor_safe_cast_is_made() -> None:
    result = enforce_signature(np.ones((2, 4), dtype=np.int32), TENSOR).data
    assert isinstance(result, np.ndarray)
    assert result.dtype == np.float64


@pytest.mark.parametrize(
    ("array", "match"),
    [
        (np.zeros((10, 3)), r"^tensor input: expected shape \(-1, 4\), got \(10, 3\)$"),
        (np.zeros(4), r"expected shape \(-1, 4\), got \(4,\)"),
        (np.zeros((1, 1, 4)), r"got \(1, 1, 4\)"),
        (np.zeros((2, 4), dtype=np.complex128), "expected dtype float64, got complex128"),
        (np.array([["a"] * 4]), "got str32"),
    ],
)
def test_tensor_shape_and_dtype_are_checked(array: np.ndarray, match: str) -> None:
    with pytest.raises(SignatureError, match=match) as caught:
        enforce_signature(array, TENSOR)
    assert caught.value.field == "data"


def test_tensor_refuses_an_unsafe_cast() -> None:
    schema = Schema(tensor=TensorSpec("float32", (-1,)))
    with pytest.raises(SignatureError, match="expected dtype float32, got float64"):
        enforce_signature(np.zeros(3), schema)


def test_frames_and_records_feed_tensors_when_numeric() -> None:
    frame = pd.DataFrame(np.arange(8.0).reshape(2, 4), columns=list("abcd"))
    result = enforce_signature(frame, TENSOR).data
    assert isinstance(result, np.ndarray)
    assert result.shape == (2, 4)
    records = enforce_signature([{"a": 1, "b": 2, "c": 3, "d": 4}], TENSOR).data
    assert isinstance(records, np.ndarray)
    assert records.tolist() == [[1.0, 2.0, 3.0, 4.0]]
    vector = enforce_signature(pd.Series([1.0, 2.0]), Schema(tensor=TensorSpec("float64", (-1,))))
    assert isinstance(vector.data, np.ndarray)
    assert vector.data.tolist() == [1.0, 2.0]


def test_frame_with_strings_cannot_feed_a_tensor() -> None:
    frame = pd.DataFrame({"a": [1.0], "b": ["x"], "c": [1.0], "d": [1.0]})
    with pytest.raises(SignatureError, match="takes numeric input, but column 'b' is str"):
        enforce_signature(frame, TENSOR)


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


@pytest.mark.parametrize(
    "data",
    [
        pd.Series([1.5, 2.5]),
        pd.Series([1, 2], name="n"),
        {"a": 1, "b": "x"},
        np.zeros((3, 2, 2), dtype=np.float32),
    ],
    ids=["unnamed-series", "named-series", "record", "3-d-array"],
)
def test_inferred_signature_accepts_each_input_kind(data: Any) -> None:
    schema = infer_signature(data).inputs
    result = enforce_signature(data, schema)
    assert result.dropped_columns == ()
    assert len(result.data) == len(as_model_input(data))


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
@given(
    st.lists(
        st.text(min_size=1, max_size=6).filter(lambda s: s not in {"a", "b"}),
        unique=True,
        max_size=6,
    ),
    st.sampled_from([[1.5, 2.5], ["x", "y"], [1, 2], [True, False]]),
    st.randoms(use_true_random=False),
)
def test_random_extra_columns_are_always_dropped(
    extras: list[str], extra_values: list[Any], random: Any
) -> None:
    schema = columns(a=DataType.DOUBLE, b=DataType.LONG)
    data: dict[str, list[Any]] = {"a": [0.5, 1.5], "b": [1, 2]}
    data.update(dict.fromkeys(extras, extra_values))
    order = list(data)
    random.shuffle(order)
    frame = pd.DataFrame({name: data[name] for name in order})
    result = enforce_signature(frame, schema)
    assert isinstance(result.data, pd.DataFrame)
    assert result.data.columns.tolist() == ["a", "b"]
    assert result.data.to_dict(orient="list") == {"a": [0.5, 1.5], "b": [1, 2]}
    assert result.dropped_columns == tuple(name for name in order if name in extras)


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
