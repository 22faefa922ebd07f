from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftloop.errors import InvalidParameterError, ModelFormatError, SignatureError
from driftloop.models.signature import (
    ColumnSpec,
    DataType,
    ModelSignature,
    Schema,
    TensorSpec,
    infer_signature,
)


def columns(**types: DataType) -> Schema:
    return Schema(columns=tuple(ColumnSpec(name, kind) for name, kind in types.items()))


# --- the entities ---------------------------------------------------------------------------


def test_data_type_values_are_mlflow_names() -> None:
    assert [member.value for member in DataType] == [
        "boolean",
        "integer",
        "long",
        "float",
        "double",
        "string",
        "binary",
        "datetime",
    ]


def test_column_spec_accepts_type_names_and_defaults_to_required() -> None:
    spec = ColumnSpec("x", "double")  # type: ignore[arg-type]
    assert spec.type is DataType.DOUBLE
    assert spec.required


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "", "type": DataType.LONG}, "non-empty string or None"),
        ({"name": "x", "type": "decimal"}, "unknown column type 'decimal'"),
    ],
)
def test_column_spec_rejects_bad_values(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        ColumnSpec(**kwargs)


def test_tensor_spec_normalizes_dtype_and_shape() -> None:
    spec = TensorSpec("float", [-1, 4])  # type: ignore[arg-type]
    assert spec == TensorSpec("float64", (-1, 4))


@pytest.mark.parametrize(
    ("dtype", "shape", "match"),
    [
        ("floaty", (-1,), "not a numpy dtype name"),
        ("float64", (), "non-empty list of sizes"),
        ("float64", (-2, 3), "non-empty list of sizes"),
        ("float64", (-1, 2.5), "non-empty list of sizes"),
    ],
)
def test_tensor_spec_rejects_bad_values(dtype: str, shape: tuple[Any, ...], match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        TensorSpec(dtype, shape)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "either columns or a tensor"),
        (
            {
                "columns": (ColumnSpec("a", DataType.LONG),),
                "tensor": TensorSpec("float64", (-1,)),
            },
            "either columns or a tensor",
        ),
        (
            {"columns": (ColumnSpec("a", DataType.LONG), ColumnSpec(None, DataType.LONG))},
            "all named or all unnamed",
        ),
        (
            {"columns": (ColumnSpec("a", DataType.LONG), ColumnSpec("a", DataType.DOUBLE))},
            "two columns named 'a'",
        ),
    ],
)
def test_schema_validates_its_shape(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        Schema(**kwargs)


def test_schema_properties() -> None:
    schema = columns(a=DataType.LONG, b=DataType.STRING)
    assert not schema.is_tensor
    assert schema.column_names == ("a", "b")
    tensor = Schema(tensor=TensorSpec("float32", (-1, 3)))
    assert tensor.is_tensor
    assert tensor.column_names == ()
    assert Schema(columns=(ColumnSpec(None, DataType.DOUBLE),)).column_names == ()


# --- serialization ------------------------------------------------------------------------


def test_to_list_uses_mlflow_shapes() -> None:
    schema = Schema(
        columns=(ColumnSpec("x", DataType.DOUBLE), ColumnSpec("y", DataType.STRING, False))
    )
    assert schema.to_list() == [
        {"type": "double", "name": "x", "required": True},
        {"type": "string", "name": "y", "required": False},
    ]
    assert Schema(tensor=TensorSpec("float64", (-1, 4))).to_list() == [
        {"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}
    ]
    assert Schema(columns=(ColumnSpec(None, DataType.LONG),)).to_list() == [
        {"type": "long", "required": True}
    ]


def test_from_list_defaults_required_to_true() -> None:
    schema = Schema.from_list([{"type": "long", "name": "n"}])
    assert schema == columns(n=DataType.LONG)


column_specs = st.builds(
    ColumnSpec,
    name=st.text(min_size=1, max_size=8),
    type=st.sampled_from(DataType),
    required=st.booleans(),
)
column_schemas = st.lists(column_specs, min_size=1, max_size=6, unique_by=lambda s: s.name).map(
    lambda specs: Schema(columns=tuple(specs))
)
tensor_schemas = st.builds(
    lambda dtype, shape: Schema(tensor=TensorSpec(dtype, tuple(shape))),
    st.sampled_from(["bool", "int8", "int32", "int64", "float32", "float64"]),
    st.lists(st.integers(min_value=-1, max_value=64), min_size=1, max_size=4),
)
schemas = column_schemas | tensor_schemas


@settings(max_examples=100, deadline=None)
@given(schemas)
def test_schema_round_trips_through_json(schema: Schema) -> None:
    assert Schema.from_list(json.loads(json.dumps(schema.to_list()))) == schema


@settings(max_examples=100, deadline=None)
@given(schemas, st.none() | schemas)
def test_signature_round_trips_through_to_dict(inputs: Schema, outputs: Schema | None) -> None:
    signature = ModelSignature(inputs, outputs)
    data = json.loads(json.dumps(signature.to_dict()))
    assert ModelSignature.from_dict(data) == signature


def test_to_dict_shape() -> None:
    signature = ModelSignature(columns(x=DataType.DOUBLE))
    assert signature.to_dict() == {
        "inputs": [{"type": "double", "name": "x", "required": True}],
        "outputs": None,
    }


@pytest.mark.parametrize(
    ("data", "field", "match"),
    [
        ({}, "inputs", "inputs is missing"),
        ({"inputs": "x"}, "inputs", "inputs must be a non-empty list"),
        ({"inputs": []}, "inputs", "inputs must be a non-empty list"),
        ({"inputs": [3]}, "inputs[0]", r"inputs\[0\] must be a mapping"),
        ({"inputs": [{"type": "any"}]}, "inputs[0].type", "'any' is not supported"),
        ({"inputs": [{"name": "x"}]}, "inputs[0].type", "None is not supported"),
        (
            {"inputs": [{"type": "long", "name": 3}]},
            "inputs[0].name",
            "must be a non-empty string",
        ),
        (
            {"inputs": [{"type": "long", "name": "x", "required": "yes"}]},
            "inputs[0].required",
            "must be true or false",
        ),
        (
            {"inputs": [{"type": "long", "name": "x"}, {"type": "long", "name": "x"}]},
            "inputs",
            "two columns named 'x'",
        ),
        (
            {"inputs": [{"type": "long", "name": "x"}, {"type": "long"}]},
            "inputs",
            "all named or all unnamed",
        ),
        (
            {"inputs": [{"type": "tensor"}]},
            "inputs[0].tensor-spec",
            "must be a mapping",
        ),
        (
            {"inputs": [{"type": "tensor", "tensor-spec": {"dtype": 1, "shape": [-1]}}]},
            "inputs[0].tensor-spec.dtype",
            "must be a string",
        ),
        (
            {"inputs": [{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": 4}}]},
            "inputs[0].tensor-spec.shape",
            "must be a list",
        ),
        (
            {"inputs": [{"type": "tensor", "tensor-spec": {"dtype": "nope", "shape": [-1]}}]},
            "inputs[0].tensor-spec.dtype",
            "not a numpy dtype name",
        ),
        (
            {"inputs": [{"type": "tensor", "tensor-spec": {"dtype": "int8", "shape": [-3]}}]},
            "inputs[0].tensor-spec.shape",
            "sizes",
        ),
        (
            {
                "inputs": [
                    {"type": "tensor", "name": "a", "tensor-spec": {"dtype": "int8", "shape": [-1]}}
                ]
            },
            "inputs[0].name",
            "named tensors are not supported",
        ),
        (
            {
                "inputs": [
                    {"type": "tensor", "tensor-spec": {"dtype": "int8", "shape": [-1]}},
                    {"type": "long", "name": "x"},
                ]
            },
            "inputs",
            "exactly one tensor",
        ),
        (
            {"inputs": [{"type": "long", "name": "x"}], "outputs": [{"type": "money"}]},
            "outputs[0].type",
            "'money' is not supported",
        ),
    ],
)
def test_from_dict_names_the_malformed_field(data: Any, field: str, match: str) -> None:
    with pytest.raises(ModelFormatError, match=match) as caught:
        ModelSignature.from_dict(data)
    assert caught.value.field == field


def test_from_dict_rejects_a_non_mapping() -> None:
    with pytest.raises(ModelFormatError, match="must be a mapping, got list"):
        ModelSignature.from_dict([])  # type: ignore[arg-type]


# --- MLflow interop -----------------------------------------------------------------------


def test_from_mlflow_reads_json_strings_and_ignores_params() -> None:
    block = {
        "inputs": '[{"type": "double", "name": "x", "required": true}]',
        "outputs": '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]',
        "params": '[{"name": "alpha", "default": 1, "shape": null, "type": "long"}]',
    }
    signature = ModelSignature.from_mlflow(block)
    assert signature == ModelSignature(
        columns(x=DataType.DOUBLE), Schema(tensor=TensorSpec("float64", (-1,)))
    )


@pytest.mark.parametrize(
    ("block", "field", "match"),
    [
        ({"inputs": "[{"}, "signature.inputs", "not valid JSON"),
        ({"outputs": "[]"}, "signature.inputs", "signature.inputs is missing"),
        (
            {"inputs": '[{"type": "any", "required": true}]'},
            "signature.inputs[0].type",
            "'any' is not supported",
        ),
    ],
)
def test_from_mlflow_names_the_malformed_field(
    block: dict[str, Any], field: str, match: str
) -> None:
    with pytest.raises(ModelFormatError, match=match) as caught:
        ModelSignature.from_mlflow(block)
    assert caught.value.field == field


def test_from_mlflow_rejects_a_non_mapping() -> None:
    with pytest.raises(ModelFormatError, match="must be a mapping, got str"):
        ModelSignature.from_mlflow("inputs")  # type: ignore[arg-type]


def test_from_mlflow_reads_signatures_written_by_mlflow() -> None:
    from mlflow.models import infer_signature as mlflow_infer_signature

    # Integer columns are left out: MLflow 3.17 with pandas 3 types them "any".
    frame = pd.DataFrame(
        {
            "ratio": [0.5, 1.5],
            "small": np.array([1.0, 2.0], dtype=np.float32),
            "name": ["a", "b"],
            "flag": [True, False],
            "raw": [b"x", b"y"],
            "at": pd.to_datetime(["2024-01-01", "2024-01-02"]),
        }
    )
    block = mlflow_infer_signature(frame, np.array([0.0, 1.0])).to_dict()
    assert isinstance(block["inputs"], str)
    signature = ModelSignature.from_mlflow(block)
    assert signature == infer_signature(frame, np.array([0.0, 1.0]))
    assert signature.outputs == Schema(tensor=TensorSpec("float64", (-1,)))


def test_from_mlflow_reads_tensor_signatures_written_by_mlflow() -> None:
    from mlflow.models import infer_signature as mlflow_infer_signature

    images = np.zeros((3, 8, 8), dtype=np.float32)
    block = mlflow_infer_signature(images).to_dict()
    signature = ModelSignature.from_mlflow(block)
    assert signature == ModelSignature(Schema(tensor=TensorSpec("float32", (-1, 8, 8))))
    assert signature == infer_signature(images)


def test_from_mlflow_reads_optional_columns_written_by_mlflow() -> None:
    from mlflow.models import infer_signature as mlflow_infer_signature

    block = mlflow_infer_signature(pd.DataFrame({"x": [1.0, None]})).to_dict()
    signature = ModelSignature.from_mlflow(block)
    assert signature.inputs.columns == (ColumnSpec("x", DataType.DOUBLE, required=False),)


# --- inference ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (np.array([True, False]), DataType.BOOLEAN),
        (np.array([1, 2], dtype=np.int8), DataType.INTEGER),
        (np.array([1, 2], dtype=np.int16), DataType.INTEGER),
        (np.array([1, 2], dtype=np.int32), DataType.INTEGER),
        (np.array([1, 2], dtype=np.uint8), DataType.INTEGER),
        (np.array([1, 2], dtype=np.uint16), DataType.INTEGER),
        (np.array([1, 2], dtype=np.uint32), DataType.LONG),
        (np.array([1, 2], dtype=np.int64), DataType.LONG),
        (np.array([1, 2], dtype=np.uint64), DataType.LONG),
        (np.array([1, 2], dtype=np.float16), DataType.FLOAT),
        (np.array([1, 2], dtype=np.float32), DataType.FLOAT),
        (np.array([1, 2], dtype=np.float64), DataType.DOUBLE),
        ([1, None], DataType.DOUBLE),  # pandas stores it as float64 with NaN
        (["a", "b"], DataType.STRING),
        (pd.Series(["a", None], dtype=object), DataType.STRING),
        (pd.array(["a", None], dtype="string"), DataType.STRING),
        ([b"a", b"b"], DataType.BINARY),
        (pd.to_datetime(["2024-01-01", None]), DataType.DATETIME),
        (pd.to_datetime(["2024-01-01"]).tz_localize("UTC"), DataType.DATETIME),
        (pd.Series([dt.datetime(2024, 1, 1)], dtype=object), DataType.DATETIME),
        (pd.Series([dt.date(2024, 1, 1)], dtype=object), DataType.DATETIME),
        (pd.array([1, 2], dtype="Int64"), DataType.LONG),
        (pd.array([1, 2], dtype="Int32"), DataType.INTEGER),
        (pd.array([1, None], dtype="Int64"), DataType.DOUBLE),
        (pd.array([1.5, None], dtype="Float32"), DataType.FLOAT),
        (pd.array([1.5, None], dtype="Float64"), DataType.DOUBLE),
        (pd.array([True, False], dtype="boolean"), DataType.BOOLEAN),
        (pd.Series([1, 2], dtype=object), DataType.LONG),
        (pd.Series([1, None], dtype=object), DataType.DOUBLE),
        (pd.Series([1.5, 2], dtype=object), DataType.DOUBLE),
        (pd.Series([True, False], dtype=object), DataType.BOOLEAN),
        (pd.Series(["x", "y", "x"], dtype="category"), DataType.STRING),
        (pd.Series([1.5, 2.5], dtype="category"), DataType.DOUBLE),
    ],
)
def test_infers_column_types(values: Any, expected: DataType) -> None:
    signature = infer_signature(pd.DataFrame({"c": values}))
    assert signature.inputs == columns(c=expected)
    assert signature.outputs is None


@pytest.mark.parametrize(
    ("values", "match"),
    [
        (pd.Series(["a", 1], dtype=object), "mixes strings, numbers"),
        (pd.Series([None, None], dtype=object), "only missing values"),
        (pd.array([True, None], dtype="boolean"), "boolean with missing values"),
        (pd.Series([True, None], dtype=object), "boolean with missing values"),
        (np.array([2**63 + 1], dtype=np.uint64), "exceed the range of long"),
        (pd.to_timedelta(["1D"]), "timedelta64.* is not a supported type"),
        (pd.Series([1 + 2j], dtype=object), "its values are complex"),
    ],
)
def test_inference_refuses_untypable_columns(values: Any, match: str) -> None:
    with pytest.raises(SignatureError, match=match) as caught:
        infer_signature(pd.DataFrame({"c": values}))
    assert caught.value.field == "c"
    assert "column 'c'" in str(caught.value)


def test_infers_from_each_input_kind() -> None:
    expected = columns(a=DataType.LONG, b=DataType.STRING)
    assert infer_signature(pd.DataFrame({"a": [1], "b": ["x"]})).inputs == expected
    assert infer_signature({"a": [1, 2], "b": ["x", "y"]}).inputs == expected
    assert infer_signature({"a": 1, "b": "x"}).inputs == expected
    assert infer_signature([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]).inputs == expected
    assert infer_signature(pd.Series([1.0], name="a")).inputs == columns(a=DataType.DOUBLE)


def test_infers_tensor_from_arrays() -> None:
    assert infer_signature(np.zeros((5, 4))).inputs == Schema(tensor=TensorSpec("float64", (-1, 4)))
    assert infer_signature(np.zeros(5, dtype=np.int32)).inputs == Schema(
        tensor=TensorSpec("int32", (-1,))
    )
    assert infer_signature(np.zeros((2, 28, 28), dtype=np.uint8)).inputs == Schema(
        tensor=TensorSpec("uint8", (-1, 28, 28))
    )


def test_infers_outputs() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    assert infer_signature(frame, np.array([0, 1])).outputs == Schema(
        tensor=TensorSpec("int64", (-1,))
    )
    assert infer_signature(frame, pd.Series([0.5, 0.7])).outputs == Schema(
        columns=(ColumnSpec(None, DataType.DOUBLE),)
    )
    assert infer_signature(frame, pd.Series([0, 1], name="label")).outputs == columns(
        label=DataType.LONG
    )
    assert infer_signature(frame, pd.DataFrame({"p0": [0.1], "p1": [0.9]})).outputs == columns(
        p0=DataType.DOUBLE, p1=DataType.DOUBLE
    )
    assert infer_signature(frame, None).outputs is None
    assert infer_signature(frame, [0, 1]).outputs == Schema(tensor=TensorSpec("int64", (-1,)))
    assert infer_signature(frame, [[0.1, 0.9]]).outputs == Schema(
        tensor=TensorSpec("float64", (-1, 2))
    )
    assert infer_signature(frame, [{"p": 0.5}]).outputs == columns(p=DataType.DOUBLE)


@pytest.mark.parametrize(
    ("model_input", "field", "match"),
    [
        (np.array(["a", "b"]), "model_input", "cannot infer a tensor signature from a <U1"),
        (pd.DataFrame(np.zeros((2, 2))), "model_input", "column names must be non-empty strings"),
        (pd.DataFrame(index=[0, 1]), "model_input", "has no columns"),
        (3, "model_input", "model_input must be a pandas DataFrame"),
        ([1, 2], "model_input", "must be a list of records"),
    ],
)
def test_inference_refuses_unusable_input(model_input: Any, field: str, match: str) -> None:
    with pytest.raises(SignatureError, match=match) as caught:
        infer_signature(model_input)
    assert caught.value.field == field


def test_inference_names_model_output_in_errors() -> None:
    with pytest.raises(SignatureError, match="model_output must be") as caught:
        infer_signature(pd.DataFrame({"x": [1.0]}), "yes")
    assert caught.value.field == "model_output"
