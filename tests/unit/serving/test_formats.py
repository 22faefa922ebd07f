"""Request parsing and response encoding against MLflow's scoring server as the oracle."""

from __future__ import annotations

import importlib
import io
import json
import warnings
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

from driftloop.errors import DriftloopError, InvalidParameterError
from driftloop.models.enforcement import enforce_signature
from driftloop.models.signature import ColumnSpec, DataType, Schema
from driftloop.serving.formats import (
    InputKind,
    InvalidRequestError,
    ModelInput,
    RequestTooLargeError,
    UnsupportedContentTypeError,
    combine_inputs,
    encode_invocations_response,
    encode_predict_response,
    parse_invocations_request,
    parse_predict_request,
    split_predictions,
)

JSON = "application/json"
SCHEMA = Schema(
    columns=(
        ColumnSpec("age", DataType.LONG),
        ColumnSpec("income", DataType.DOUBLE),
        ColumnSpec("city", DataType.STRING),
    )
)


@pytest.fixture(scope="module")
def mlflow_scoring() -> ModuleType:
    """MLflow's scoring server module (the oracle); its import warns about its own types."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return importlib.import_module("mlflow.pyfunc.scoring_server")


def body(document: Any) -> bytes:
    return json.dumps(document).encode()


def parse(document: Any, content_type: str = JSON) -> ModelInput:
    return parse_invocations_request(body(document), content_type)


TABLE_PAYLOADS = [
    {
        "dataframe_split": {
            "columns": ["age", "income", "city"],
            "data": [[31, 5000.5, "Oslo"], [40, 7000.0, "Rome"]],
        }
    },
    {
        "dataframe_split": {
            "columns": ["age", "income", "city"],
            "data": [[31, 5000.5, "Oslo"], [40, 7000.0, "Rome"]],
            "index": [7, 9],
        }
    },
    {
        "dataframe_records": [
            {"age": 31, "income": 5000.5, "city": "Oslo"},
            {"age": 40, "income": 7000.0, "city": "Rome"},
        ]
    },
    {"dataframe_records": [{"age": 31, "income": 5000.5}, {"city": "Rome", "age": 40}]},
    {"dataframe_split": {"columns": ["age"], "data": [1, 2, 3]}},
    {"dataframe_split": {"data": [[1, 2.5], [3, 4.5]]}},
]


@pytest.mark.parametrize("payload", TABLE_PAYLOADS)
def test_dataframe_formats_parse_as_mlflow_does(
    payload: dict[str, Any], mlflow_scoring: ModuleType
) -> None:
    parsed = parse(payload)
    expected = mlflow_scoring.infer_and_parse_data(payload)
    assert parsed.kind is InputKind.ROWS
    assert parsed.num_rows == len(expected)
    pd.testing.assert_frame_equal(parsed.data, expected)


def test_instances_records_and_inputs_columns_hold_the_same_table(
    mlflow_scoring: ModuleType,
) -> None:
    records = [
        {"age": 31, "income": 5000.5, "city": "Oslo"},
        {"age": 40, "income": 7.0, "city": "R"},
    ]
    instances = parse({"instances": records})
    inputs = parse({"inputs": {"age": [31, 40], "income": [5000.5, 7.0], "city": ["Oslo", "R"]}})
    assert instances.kind is InputKind.ROWS
    assert inputs.kind is InputKind.COLUMNS
    assert instances.num_rows == inputs.num_rows == 2
    mlflow_inputs = mlflow_scoring.infer_and_parse_data({"inputs": inputs_columns(records)})
    assert isinstance(inputs.data, dict)
    for name, column in mlflow_inputs.items():
        np.testing.assert_array_equal(inputs.data[name], column)
    for model_input in (instances, inputs):
        enforced = enforce_signature(model_input.data, SCHEMA).data
        assert isinstance(enforced, pd.DataFrame)
        assert enforced["age"].tolist() == [31, 40]
        assert enforced["city"].tolist() == ["Oslo", "R"]


def inputs_columns(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {name: [record[name] for record in records] for name in records[0]}


@pytest.mark.parametrize("key", ["instances", "inputs"])
def test_tensor_inputs_are_arrays_as_mlflow_parses_them(
    key: str, mlflow_scoring: ModuleType
) -> None:
    payload = {key: [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}
    parsed = parse(payload)
    assert parsed.kind is InputKind.TENSOR
    assert parsed.num_rows == 2
    np.testing.assert_array_equal(parsed.data, mlflow_scoring.infer_and_parse_data(payload))


def test_inputs_single_record_of_scalars_is_one_row() -> None:
    parsed = parse({"inputs": {"age": 31, "income": 1.5, "city": "Oslo"}})
    assert parsed.num_rows == 1
    enforced = enforce_signature(parsed.data, SCHEMA).data
    assert isinstance(enforced, pd.DataFrame)
    assert enforced.to_dict("records") == [{"age": 31, "income": 1.5, "city": "Oslo"}]


def test_params_are_kept() -> None:
    parsed = parse({"dataframe_records": [{"a": 1}], "params": {"threshold": 0.3}})
    assert parsed.params == {"threshold": 0.3}


def test_unknown_keys_are_ignored_on_invocations_as_in_mlflow() -> None:
    parsed = parse({"dataframe_records": [{"a": 1}], "extra": 1})
    assert parsed.num_rows == 1


def test_csv_body_parses_as_mlflow_does() -> None:
    frame = pd.DataFrame({"age": [31, 40], "income": [1.5, 2.5], "city": ["Oslo", "Rome"]})
    text = frame.to_csv(index=False)
    parsed = parse_invocations_request(text.encode(), "text/csv; charset=utf-8")
    assert parsed.kind is InputKind.FRAME
    assert parsed.num_rows == 2
    pd.testing.assert_frame_equal(parsed.data, pd.read_csv(io.StringIO(text)))


def test_parquet_body_parses() -> None:
    frame = pd.DataFrame({"age": [31, 40], "city": ["Oslo", "Rome"]})
    parsed = parse_invocations_request(frame.to_parquet(), "application/vnd.apache.parquet")
    pd.testing.assert_frame_equal(parsed.data, frame)


SPLIT = "dataframe_split"
BAD_PAYLOADS = [
    ({"data": [[1]]}, "body", "exactly one of the input keys"),
    ({"dataframe_records": [{"a": 1}], "instances": [[1]]}, "instances", "exactly one"),
    ({"dataframe_split": [[1, 2]]}, "dataframe_split", "must be an object"),
    ({"dataframe_split": {"columns": ["a"]}}, "dataframe_split", "no 'data'"),
    ({"dataframe_split": {"data": [[1]], "dtype": "x"}}, "dataframe_split", "unknown keys"),
    ({"dataframe_split": {"columns": ["a", "b"], "data": [[1]]}}, "dataframe_split.data", "row 0"),
    ({"dataframe_split": {"columns": ["a"], "data": []}}, "dataframe_split.data", "no rows"),
    ({"dataframe_split": {"columns": [{"x": 1}], "data": [[1]]}}, f"{SPLIT}.columns", "names"),
    ({"dataframe_split": {"columns": ["a", "a"], "data": [[1, 2]]}}, f"{SPLIT}.columns", "twice"),
    ({"dataframe_split": {"data": [[1]], "index": [1, 2]}}, f"{SPLIT}.index", "one label per row"),
    ({"dataframe_records": {"a": [1]}}, "dataframe_records", "list of records"),
    ({"dataframe_records": []}, "dataframe_records", "no rows"),
    ({"dataframe_records": [{"a": 1}, 3]}, "dataframe_records", "item 1"),
    ({"instances": [[1, 2], [3]]}, "instances", "not a regular array"),
    ({"instances": 3}, "instances", "must be a list"),
    ({"inputs": []}, "inputs", "no rows"),
    ({"inputs": {}}, "inputs", "empty object"),
    ({"inputs": {"a": [1, 2], "b": [3]}}, "inputs", "different lengths"),
    ({"inputs": {"a": [1, 2], "b": 3}}, "inputs", "mixes columns"),
    ({"inputs": [[1, None]]}, "inputs", "regular array"),
    ({"dataframe_records": [{"a": 1}], "params": [1]}, "params", "JSON object"),
]  # fmt: skip


@pytest.mark.parametrize(("payload", "field", "message"), BAD_PAYLOADS)
def test_bad_payloads_are_400_naming_the_field(
    payload: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message) as caught:
        parse(payload)
    assert caught.value.http_status == 400
    assert caught.value.field == field
    assert isinstance(caught.value, InvalidParameterError)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not valid UTF-8 JSON"),
        (b"\xff\xfe", "not valid UTF-8 JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b"", "empty"),
        (b"   ", "empty"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid UTF-8 JSON"),
    ],
)
def test_bad_bodies_are_400(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message) as caught:
        parse_invocations_request(raw, JSON)
    assert caught.value.field == "body"


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        (None, "Content-Type header is required"),
        ("", "Content-Type header is required"),
        ("text/plain", "unsupported content type"),
        ("application/json; charset=latin-1", "only supports UTF-8"),
        ("application/json; format=pandas-split", "unrecognized content type parameter"),
    ],
)
def test_bad_content_types_are_415(content_type: str | None, message: str) -> None:
    with pytest.raises(UnsupportedContentTypeError, match=message) as caught:
        parse_invocations_request(b'{"inputs": [1]}', content_type)
    assert caught.value.http_status == 415


def test_content_type_is_case_insensitive_with_utf8_charset() -> None:
    parsed = parse_invocations_request(b'{"inputs": [1, 2]}', "Application/JSON; charset=UTF-8")
    assert parsed.num_rows == 2


def test_too_large_body_is_413() -> None:
    with pytest.raises(RequestTooLargeError, match="limit is 10") as caught:
        parse_invocations_request(b'{"inputs": [1, 2, 3]}', JSON, max_body_bytes=10)
    assert caught.value.http_status == 413


@pytest.mark.parametrize(
    ("raw", "message"),
    [(b"a,b\n", "the table has no rows"), (b"\xff\xfe\n\x00", "not a CSV table")],
)
def test_csv_without_rows_or_unreadable_is_400(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        parse_invocations_request(raw, "text/csv")


def test_bad_parquet_is_400() -> None:
    with pytest.raises(InvalidRequestError, match="not a Parquet file"):
        parse_invocations_request(b"PAR1garbage", "application/vnd.apache.parquet")


# --- combining and splitting -----------------------------------------------------------------


def test_combine_then_split_gives_each_request_its_rows() -> None:
    requests = [
        parse({"dataframe_records": [{"x": i, "y": i * 10} for i in range(start, start + n)]})
        for start, n in [(0, 1), (1, 3), (4, 2)]
    ]
    combined = combine_inputs(requests)
    assert combined.num_rows == 6
    frame = combined.data
    assert isinstance(frame, pd.DataFrame)
    assert frame["x"].tolist() == list(range(6))
    predictions = frame["y"].to_numpy() + 1
    parts = split_predictions(predictions, [r.num_rows for r in requests])
    assert [p.tolist() for p in parts] == [[1], [11, 21, 31], [41, 51]]


@pytest.mark.parametrize("kind", ["split", "columns", "tensor", "csv"])
def test_combine_every_kind(kind: str) -> None:
    def make(values: list[int]) -> ModelInput:
        if kind == "split":
            return parse({"dataframe_split": {"columns": ["v"], "data": [[v] for v in values]}})
        if kind == "columns":
            return parse({"inputs": {"v": values}})
        if kind == "tensor":
            return parse({"inputs": [[v, v] for v in values]})
        text = "v\n" + "".join(f"{v}\n" for v in values)
        return parse_invocations_request(text.encode(), "text/csv")

    combined = combine_inputs([make([1]), make([2, 3]), make([4])])
    assert combined.num_rows == 4
    data = combined.data
    if isinstance(data, pd.DataFrame | dict):
        assert data["v"].tolist() == [1, 2, 3, 4]
    else:
        assert data[:, 0].tolist() == [1, 2, 3, 4]


def test_split_index_is_concatenated() -> None:
    first = parse({"dataframe_split": {"columns": ["a"], "data": [[1]], "index": ["r1"]}})
    second = parse({"dataframe_split": {"columns": ["a"], "data": [[2]], "index": ["r2"]}})
    frame = combine_inputs([first, second]).data
    assert isinstance(frame, pd.DataFrame)
    assert frame.index.tolist() == ["r1", "r2"]


@pytest.mark.parametrize(
    ("other", "reason"),
    [
        ({"dataframe_records": [{"b": 1}]}, "columns"),
        ({"inputs": [[1]]}, "kind"),
        ({"dataframe_records": [{"a": 1}], "params": {"k": 1}}, "params"),
    ],
)
def test_incompatible_inputs_do_not_combine(other: dict[str, Any], reason: str) -> None:
    first = parse({"dataframe_records": [{"a": 1}]})
    second = parse(other)
    assert first.batch_key != second.batch_key, reason
    with pytest.raises(ValueError, match="cannot share a model call"):
        combine_inputs([first, second])


def test_tensors_of_different_widths_or_dtypes_do_not_share_a_key() -> None:
    base = parse({"inputs": [[1.0, 2.0]]})
    assert base.batch_key == parse({"inputs": [[3.0, 4.0]]}).batch_key
    assert base.batch_key != parse({"inputs": [[1.0, 2.0, 3.0]]}).batch_key
    assert base.batch_key != parse({"inputs": [[1, 2]]}).batch_key


def test_combine_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        combine_inputs([])


@pytest.mark.parametrize(
    "predictions",
    [
        np.arange(6),
        np.arange(12).reshape(6, 2),
        list(range(6)),
        pd.Series(range(6), name="p"),
        pd.DataFrame({"a": range(6), "b": range(6, 12)}),
        {"a": np.arange(6), "b": np.arange(6, 12)},
    ],
    ids=["array", "2d-array", "list", "series", "frame", "dict"],
)
def test_split_predictions_handles_every_output_type(predictions: Any) -> None:
    parts = split_predictions(predictions, [2, 1, 3])
    assert len(parts) == 3
    assert all(type(part) is type(predictions) for part in parts)
    first = parts[0]
    if isinstance(first, dict | pd.DataFrame):
        assert first["a"].tolist() == [0, 1]
        assert parts[2]["b"].tolist() == [9, 10, 11]
    else:
        assert len(first) == 2
        assert len(parts[1]) == 1
        assert np.asarray(parts[2]).ravel().tolist()[-1] in {5, 11}


@pytest.mark.parametrize("predictions", [np.arange(5), np.float64(1.0), [1, 2]])
def test_split_predictions_refuses_a_wrong_count(predictions: Any) -> None:
    with pytest.raises(DriftloopError, match="predictions for 6 rows") as caught:
        split_predictions(predictions, [2, 4])
    assert caught.value.http_status == 500


# --- encoding --------------------------------------------------------------------------------


def mlflow_json(mlflow_scoring: ModuleType, predictions: Any) -> Any:
    out = io.StringIO()
    mlflow_scoring.predictions_to_json(predictions, out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize(
    "predictions",
    [
        np.array([0, 1, 1]),
        np.array([0.25, 1.5]),
        np.array([[0.1, 0.9], [0.8, 0.2]]),
        np.array(["cat", "dog"]),
        np.array([True, False]),
        pd.Series([1.5, 2.5]),
        pd.Series([1, 2], name="label"),
        pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}),
        [1, 2, 3],
        [np.int64(4), np.float32(0.5)],
        {"a": np.array([1, 2])},
    ],
)
def test_invocations_response_matches_mlflow(predictions: Any, mlflow_scoring: ModuleType) -> None:
    ours = json.loads(encode_invocations_response(predictions))
    assert ours == mlflow_json(mlflow_scoring, predictions)


def test_non_finite_predictions_are_null_and_strings_untouched() -> None:
    frame = pd.DataFrame({"v": [np.nan, np.inf, -np.inf, 1.0], "s": ["NaN", "Infinity", "x", "y"]})
    text = encode_invocations_response(frame).decode()
    document = json.loads(text, parse_constant=lambda token: pytest.fail(f"bare {token}"))
    assert [row["v"] for row in document["predictions"]] == [None, None, None, 1.0]
    assert [row["s"] for row in document["predictions"]][:2] == ["NaN", "Infinity"]


def test_timestamps_and_bytes_encode() -> None:
    frame = pd.DataFrame({"t": pd.to_datetime(["2024-01-02", None]), "b": [b"\x00\x01", b"z"]})
    document = json.loads(encode_invocations_response(frame))
    assert document["predictions"][0]["t"].startswith("2024-01-02")
    assert document["predictions"][1]["t"] is None
    assert document["predictions"][0]["b"] == "AAE="


# --- native /v1/predict ----------------------------------------------------------------------


def test_predict_request_carries_routing_key() -> None:
    request = parse_predict_request(
        body({"dataframe_records": [{"a": 1}], "routing_key": "user-7"}), JSON
    )
    assert request.routing_key == "user-7"
    assert request.input.num_rows == 1
    request = parse_predict_request(body({"inputs": [[1, 2]]}), JSON)
    assert request.routing_key is None


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"dataframe_records": [{"a": 1}], "routingkey": "x"}, "routingkey"),
        ({"dataframe_records": [{"a": 1}], "routing_key": 5}, "routing_key"),
        ({"dataframe_records": [{"a": 1}], "routing_key": ""}, "routing_key"),
        ({"routing_key": "x"}, "body"),
    ],
)
def test_predict_request_errors(document: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequestError, match=r"routing|unknown|input keys") as caught:
        parse_predict_request(body(document), JSON)
    assert caught.value.field == field


def test_predict_request_must_be_json() -> None:
    with pytest.raises(UnsupportedContentTypeError, match="takes application/json"):
        parse_predict_request(b"a\n1\n", "text/csv")


def test_predict_response_per_row_with_probabilities() -> None:
    raw = encode_predict_response(
        request_id="r-1",
        model_name="churn",
        model_version=3,
        route="challenger",
        predictions=np.array([1, 0]),
        probabilities=np.array([[0.25, 0.75], [0.5, 0.5]]),
        classes=[np.int64(0), np.int64(1)],
    )
    assert json.loads(raw) == {
        "request_id": "r-1",
        "model_name": "churn",
        "model_version": "3",
        "route": "challenger",
        "predictions": [
            {"prediction": 1, "probabilities": {"0": 0.25, "1": 0.75}},
            {"prediction": 0, "probabilities": {"0": 0.5, "1": 0.5}},
        ],
    }


@pytest.mark.parametrize(
    ("predictions", "expected"),
    [
        (
            pd.DataFrame({"a": [1, 2], "b": [0.5, np.nan]}),
            [{"a": 1, "b": 0.5}, {"a": 2, "b": None}],
        ),
        (np.array([[1.0, 2.0], [3.0, 4.0]]), [[1.0, 2.0], [3.0, 4.0]]),
        (pd.Series(["x", "y"]), ["x", "y"]),
        ({"a": np.array([1, 2]), "b": ["u", "v"]}, [{"a": 1, "b": "u"}, {"a": 2, "b": "v"}]),
        ([True, False], [True, False]),
    ],
)
def test_predict_response_rows_of_every_output_type(predictions: Any, expected: list[Any]) -> None:
    raw = encode_predict_response(
        request_id="r", model_name="m", model_version="1", route="champion", predictions=predictions
    )
    rows = json.loads(raw)["predictions"]
    assert [row["prediction"] for row in rows] == expected
    assert all("probabilities" not in row for row in rows)


def test_predict_response_without_classes_labels_by_position() -> None:
    raw = encode_predict_response(
        request_id="r",
        model_name="m",
        model_version=1,
        route="champion",
        predictions=np.array(["a"]),
        probabilities=np.array([[0.1, 0.2, 0.7]]),
    )
    assert json.loads(raw)["predictions"][0]["probabilities"] == {"0": 0.1, "1": 0.2, "2": 0.7}


def test_predict_response_refuses_mismatched_probabilities() -> None:
    with pytest.raises(DriftloopError, match="2 probability rows for 1 predictions"):
        encode_predict_response(
            request_id="r",
            model_name="m",
            model_version=1,
            route="champion",
            predictions=np.array([1]),
            probabilities=np.array([[0.5, 0.5], [0.5, 0.5]]),
        )


@pytest.mark.parametrize(
    "rows",
    [
        [[1.0, 2.0]],
        [[1, 2], [3, 4]],
        [[1, 2.0]],
        [[2**63, 1]],
        [[True, 1]],
        [["a", 1.0]],
        [[None, 1.0], [2.0, 3.0]],
        [[float("nan"), 1.0]],
    ],
)
def test_rows_build_the_frame_pandas_builds(rows: list[list[Any]]) -> None:
    document = {"dataframe_split": {"columns": ["a", "b"], "data": rows}}
    pd.testing.assert_frame_equal(parse(document).data, pd.DataFrame(rows, columns=["a", "b"]))
