"""``as_model_input`` and each kind of input (frames, dicts, records, series, arrays) against
a column signature."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.unit.models.enforcement_support import SCHEMA, columns, one

from driftloop.errors import SignatureError
from driftloop.models.enforcement import as_model_input, enforce_signature
from driftloop.models.signature import DataType, infer_signature

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


# --- inference and enforcement agree ----------------------------------------------------------


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
