from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from driftloop.errors import InvalidParameterError
from driftloop.tracking.datasets import dataset_from_data


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"age": [31, 45, 27], "plan": ["basic", "pro", "basic"]})


def test_dataframe_digest_schema_and_profile() -> None:
    dataset = dataset_from_data(_frame(), name="customers", source="/data/customers.csv")
    assert dataset.name == "customers"
    assert len(dataset.digest) == 16
    assert dataset.source_type == "local"
    assert json.loads(dataset.source) == {"uri": "/data/customers.csv"}
    assert json.loads(dataset.schema) == {
        "columns": [
            {"name": "age", "type": "int64"},
            {"name": "plan", "type": str(_frame().dtypes["plan"])},
        ]
    }
    assert json.loads(dataset.profile) == {"num_rows": 3, "num_elements": 6}


def test_the_digest_follows_the_content() -> None:
    first = dataset_from_data(_frame()).digest
    assert dataset_from_data(_frame()).digest == first
    changed = _frame()
    changed.loc[0, "age"] = 32
    assert dataset_from_data(changed).digest != first
    renamed = _frame().rename(columns={"age": "years"})
    assert dataset_from_data(renamed).digest != first


def test_unhashable_cells_fall_back_to_text() -> None:
    frame = pd.DataFrame({"tags": [["a"], ["b", "c"]]})
    assert dataset_from_data(frame).digest == dataset_from_data(frame.copy()).digest


def test_ndarray_digest_schema_and_profile() -> None:
    array = np.arange(12, dtype=np.float64).reshape(4, 3)
    dataset = dataset_from_data(array)
    assert dataset.name == "dataset"
    assert dataset.source_type == "code"
    assert json.loads(dataset.schema) == {"tensor": {"dtype": "float64", "shape": [-1, 3]}}
    assert json.loads(dataset.profile) == {"num_rows": 4, "num_elements": 12}
    assert dataset_from_data(array.copy()).digest == dataset.digest
    assert dataset_from_data(array.astype(np.float32)).digest != dataset.digest
    assert dataset_from_data(np.asfortranarray(array)).digest == dataset.digest


def test_object_arrays_are_hashed_by_value() -> None:
    first = np.array(["a", None, 3], dtype=object)
    second = np.array(["a", None, 3], dtype=object)
    assert dataset_from_data(first).digest == dataset_from_data(second).digest


def test_other_data_is_rejected() -> None:
    with pytest.raises(InvalidParameterError, match="got list"):
        dataset_from_data([1, 2, 3])
