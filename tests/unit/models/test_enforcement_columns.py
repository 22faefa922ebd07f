"""``enforce_signature`` against column signatures: presence, order, extra and duplicate
columns, the index."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.models.enforcement_support import SCHEMA, columns

from driftloop.errors import SignatureError
from driftloop.models._values import frame_dtypes
from driftloop.models.enforcement import enforce_signature
from driftloop.models.signature import ColumnSpec, DataType, Schema


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


# --- inference and enforcement agree ----------------------------------------------------------


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
