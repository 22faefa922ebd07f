from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from driftloop.errors import ModelFormatError
from driftloop.models.loading import load_model_dir
from driftloop.pipelines import ModelOutput, StoredValue, UnsafeValueError, ValueKind
from driftloop.pipelines.artifacts_io import (
    canonical_json,
    is_json_ready,
    read_value,
    store_value,
    stored_path,
    write_value,
)

LABEL = {"label": "step 'fit' output 'value'", "field": "fit.value"}


def round_trip(value: Any, folder: Path, *, trusted: bool = False) -> tuple[StoredValue, Any]:
    stored = write_value(value, folder / "value", trusted=trusted, **LABEL)
    return stored, read_value(folder / "value", stored, trusted=trusted, **LABEL)


class Doubler(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """A user transformer: skops stores it but will not load it without trust."""

    def fit(self, data: Any, target: Any = None) -> Doubler:  # noqa: ARG002 - sklearn's API
        return self

    def transform(self, data: Any) -> Any:
        return np.asarray(data) * 2


class Predictor:
    def predict(self, data: Any) -> Any:
        return np.zeros(len(data))


class Thing:
    def __init__(self, value: int) -> None:
        self.value = value


@pytest.fixture
def features() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(60, 2)), columns=["a", "b"])
    return frame, pd.Series((frame["a"] > 0).astype(int), name="label")


def test_dataframe_round_trips_through_parquet(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"n": [1, 2, 3], "s": ["a", "b", None], "c": pd.Categorical(["x", "y", "x"])},
        index=pd.Index([10, 20, 30], name="id"),
    )
    stored, back = round_trip(frame, tmp_path)
    assert stored.kind is ValueKind.DATAFRAME
    assert stored.type_name == "pandas.DataFrame" or stored.type_name.endswith("DataFrame")
    assert (tmp_path / "value" / "data.parquet").is_file()
    pd.testing.assert_frame_equal(back, frame)
    again, _ = round_trip(frame, tmp_path / "again")
    assert again.sha256 == stored.sha256
    changed, _ = round_trip(frame.assign(n=[1, 2, 4]), tmp_path / "changed")
    assert changed.sha256 != stored.sha256


def test_series_round_trips_with_its_name(tmp_path: Path) -> None:
    series = pd.Series([0.5, 1.5], index=[3, 4], name="target")
    stored, back = round_trip(series, tmp_path)
    assert stored.kind is ValueKind.SERIES
    pd.testing.assert_series_equal(back, series)


def test_array_round_trips_through_npy_without_pickle(tmp_path: Path) -> None:
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    stored, back = round_trip(array, tmp_path)
    assert stored.kind is ValueKind.NDARRAY
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, array)
    np.load(tmp_path / "value" / "data.npy", allow_pickle=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"accuracy": 0.9, "n": 3, "ok": True, "tags": ["a", None]}, None),
        (
            {"x": np.float64(0.5), "y": np.int64(2), "z": np.bool_(True)},
            {"x": 0.5, "y": 2, "z": True},
        ),
        ((1, 2), [1, 2]),
        (None, None),
        ("text", "text"),
    ],
)
def test_json_values_round_trip(tmp_path: Path, value: Any, expected: Any) -> None:
    stored, back = round_trip(value, tmp_path)
    assert stored.kind is ValueKind.JSON
    assert back == (value if expected is None else expected)


def test_json_digest_ignores_key_order(tmp_path: Path) -> None:
    first, _ = round_trip({"a": 1, "b": 2}, tmp_path / "1")
    second, _ = round_trip({"b": 2, "a": 1}, tmp_path / "2")
    third, _ = round_trip({"a": 1, "b": 3}, tmp_path / "3")
    assert first.sha256 == second.sha256 != third.sha256


def test_sklearn_model_is_stored_with_skops_in_the_model_format(
    tmp_path: Path, features: tuple[pd.DataFrame, pd.Series]
) -> None:
    frame, target = features
    model = LogisticRegression().fit(frame, target)
    stored, back = round_trip(model, tmp_path)
    assert stored.kind is ValueKind.MODEL
    assert stored_path(stored.kind) == "model"
    assert (tmp_path / "value" / "model" / "model" / "model.skops").is_file()
    assert isinstance(back, LogisticRegression)
    np.testing.assert_array_equal(back.predict(frame), model.predict(frame))


def test_model_output_stores_signature_and_profile(
    tmp_path: Path, features: tuple[pd.DataFrame, pd.Series]
) -> None:
    frame, target = features
    model = LogisticRegression().fit(frame, target)
    stored, back = round_trip(ModelOutput(model, training_data=frame, target=target), tmp_path)
    assert isinstance(back, LogisticRegression)
    loaded = load_model_dir(tmp_path / "value" / "model", trusted=False, source="test")
    assert loaded.profile is not None
    assert loaded.signature is not None
    assert [column.name for column in loaded.signature.inputs.columns] == ["a", "b"]
    assert stored.type_name.endswith("LogisticRegression")


def test_an_object_array_is_refused_without_trust(tmp_path: Path) -> None:
    with pytest.raises(
        UnsafeValueError, match=r"step 'fit' output 'value'.*cannot be stored as ndarray"
    ) as caught:
        round_trip(np.array([{"a": 1}, None], dtype=object), tmp_path)
    assert caught.value.field == "fit.value"
    assert caught.value.code == "UNSAFE_VALUE"


def test_a_dataframe_parquet_cannot_hold_is_refused_without_trust(tmp_path: Path) -> None:
    frame = pd.DataFrame({"mixed": [1, "x"]})
    with pytest.raises(UnsafeValueError, match=r"cannot be stored as dataframe.*trusted=True"):
        round_trip(frame, tmp_path)


@pytest.mark.parametrize(
    "value",
    [Thing(3), {"when": pd.Timestamp("2024-01-01")}, {1: "int key"}, object()],
)
def test_arbitrary_objects_are_refused_without_trust(tmp_path: Path, value: Any) -> None:
    with pytest.raises(
        UnsafeValueError, match=r"has no safe storage format.*@step\(trusted=True\)"
    ):
        round_trip(value, tmp_path)
    assert not (tmp_path / "value" / "data.pkl").exists()


def test_an_object_with_predict_is_refused_without_trust(tmp_path: Path) -> None:
    with pytest.raises(UnsafeValueError, match=r"no model of a supported library.*cloudpickle"):
        round_trip(Predictor(), tmp_path)


def test_a_model_with_user_classes_cannot_be_read_back_without_trust(
    tmp_path: Path, features: tuple[pd.DataFrame, pd.Series]
) -> None:
    frame, target = features
    model = make_pipeline(Doubler(), LogisticRegression()).fit(frame, target)
    stored = write_value(model, tmp_path / "value", trusted=False, **LABEL)
    with pytest.raises(
        UnsafeValueError, match="cannot be read back without running code"
    ) as caught:
        read_value(tmp_path / "value", stored, trusted=False, **LABEL)
    assert caught.value.field == "fit.value"
    back = read_value(tmp_path / "value", stored, trusted=True, **LABEL)
    np.testing.assert_array_equal(back.predict(frame), model.predict(frame))


def test_trusted_values_fall_back_to_pickle(tmp_path: Path) -> None:
    stored, back = round_trip(Thing(7), tmp_path, trusted=True)
    assert stored.kind is ValueKind.PICKLE
    assert isinstance(back, Thing)
    assert back.value == 7
    frame = pd.DataFrame({"mixed": [1, "x"]})
    stored, back = round_trip(frame, tmp_path / "frame", trusted=True)
    assert stored.kind is ValueKind.PICKLE
    assert sorted(p.name for p in (tmp_path / "frame" / "value").iterdir()) == ["data.pkl"]
    pd.testing.assert_frame_equal(back, frame)
    stored, back = round_trip(Predictor(), tmp_path / "predictor", trusted=True)
    assert stored.kind is ValueKind.MODEL
    assert isinstance(back, Predictor)


def test_a_stored_pickle_is_not_read_without_trust(tmp_path: Path) -> None:
    stored = write_value(Thing(1), tmp_path / "value", trusted=True, **LABEL)
    with pytest.raises(UnsafeValueError, match="cannot be read back without running code"):
        read_value(tmp_path / "value", stored, trusted=False, **LABEL)


def test_unreadable_files_raise_a_format_error(tmp_path: Path) -> None:
    stored = write_value(np.arange(3), tmp_path / "value", trusted=False, **LABEL)
    (tmp_path / "value" / "data.npy").write_bytes(b"garbage")
    with pytest.raises(ModelFormatError, match=r"stored ndarray is unreadable \(ValueError\)"):
        read_value(tmp_path / "value", stored, trusted=False, **LABEL)


def test_stored_value_json_form() -> None:
    stored = StoredValue(ValueKind.JSON, "sha256:ab", "builtins.dict")
    assert StoredValue.from_dict(json.loads(json.dumps(stored.to_dict()))) == stored
    with pytest.raises(Exception, match="malformed stored value"):
        StoredValue.from_dict({"kind": "bogus", "sha256": "x", "type": "y"})


def test_is_json_ready_and_canonical_json() -> None:
    assert is_json_ready({"a": [1, 2.5, None, "x", {"b": True}]})
    assert not is_json_ready({"a": {1, 2}})
    nested: list[Any] = []
    for _ in range(100):
        nested = [nested]
    assert not is_json_ready(nested)
    assert canonical_json({"b": 1, "a": np.int64(2)}) == '{"a":2,"b":1}'


def test_store_value_reads_back_and_falls_back_to_pickle_only_when_trusted(
    tmp_path: Path, features: tuple[pd.DataFrame, pd.Series]
) -> None:
    frame, target = features
    model = make_pipeline(FunctionTransformer(lambda x: x * 2), LogisticRegression())
    model.fit(frame, target)
    with pytest.raises(UnsafeValueError, match=r"cannot be read back.*<lambda>"):
        store_value(model, tmp_path / "untrusted", trusted=False, **LABEL)
    # skops cannot restore a lambda even when trusted; pickle can.
    stored, back = store_value(model, tmp_path / "trusted", trusted=True, **LABEL)
    assert stored.kind is ValueKind.PICKLE
    assert sorted(p.name for p in (tmp_path / "trusted").iterdir()) == ["data.pkl"]
    np.testing.assert_array_equal(back.predict(frame), model.predict(frame))
    stored, back = store_value({"a": 1}, tmp_path / "json", trusted=False, **LABEL)
    assert (stored.kind, back) == (ValueKind.JSON, {"a": 1})
