"""``enforce_signature`` against tensor signatures: shape, dtype, safe casts, frames and
records as tensor input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from driftloop.errors import SignatureError
from driftloop.models.enforcement import enforce_signature
from driftloop.models.signature import Schema, TensorSpec

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
