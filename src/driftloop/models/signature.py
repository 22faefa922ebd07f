"""Model signatures: the input (and output) contract of a model, and how to infer one.

A :class:`Schema` is either a list of typed columns (a DataFrame contract) or one tensor
(an array contract). Schemas serialize to MLflow's JSON shapes, so signatures read from an
MLflow ``MLmodel`` file (:meth:`ModelSignature.from_mlflow`) and written by driftloop are the
same lists. :func:`infer_signature` derives a signature from example data; the rules it uses to
type a column are the ones :func:`driftloop.models.enforcement.enforce_signature` checks, so a
signature inferred from a frame always accepts that frame.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from driftloop.errors import InvalidParameterError, ModelFormatError, SignatureError
from driftloop.models._inputs import to_model_input
from driftloop.models._values import (
    OBJECT,
    is_extension_numeric,
    object_kind,
    unwrap_categorical,
)


class DataType(enum.StrEnum):
    """Column types, with MLflow's names; each maps to one numpy/pandas representation."""

    BOOLEAN = "boolean"  # bool
    INTEGER = "integer"  # int32
    LONG = "long"  # int64
    FLOAT = "float"  # float32
    DOUBLE = "double"  # float64
    STRING = "string"  # str (object or pandas' string dtype)
    BINARY = "binary"  # bytes (object)
    DATETIME = "datetime"  # datetime64 of any unit, timezone-aware or not


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of a column schema.

    Attributes:
        name: Column name; ``None`` only in schemas whose columns are all unnamed (positional).
        type: The column's type.
        required: Whether the column must be present; an optional column may be left out.
    """

    name: str | None
    type: DataType
    required: bool = True

    def __post_init__(self) -> None:
        if self.name is not None and (not isinstance(self.name, str) or not self.name):
            raise InvalidParameterError(
                f"column name must be a non-empty string or None, got {self.name!r}", field="name"
            )
        given: object = self.type
        if not isinstance(given, DataType):
            try:
                object.__setattr__(self, "type", DataType(str(given)))
            except ValueError:
                raise InvalidParameterError(
                    f"unknown column type {given!r}; expected one of {_TYPE_NAMES}",
                    field="type",
                ) from None


@dataclass(frozen=True, slots=True)
class TensorSpec:
    """The one tensor of a tensor schema.

    Attributes:
        dtype: numpy dtype name, e.g. ``"float64"`` (normalized: ``"float"`` becomes ``"float64"``).
        shape: Dimensions; ``-1`` means any size (usually the first, the batch dimension).
    """

    dtype: str
    shape: tuple[int, ...]

    def __post_init__(self) -> None:
        try:
            name = np.dtype(self.dtype).name
        except TypeError:
            raise InvalidParameterError(
                f"tensor dtype {self.dtype!r} is not a numpy dtype name", field="dtype"
            ) from None
        object.__setattr__(self, "dtype", name)
        shape = tuple(self.shape)
        if not shape or not all(
            isinstance(dim, int) and not isinstance(dim, bool) and dim >= -1 for dim in shape
        ):
            raise InvalidParameterError(
                f"tensor shape must be a non-empty list of sizes (-1 = any), got {self.shape!r}",
                field="shape",
            )
        object.__setattr__(self, "shape", shape)


@dataclass(frozen=True, slots=True)
class Schema:
    """A column schema (``columns``) or a tensor schema (``tensor``): exactly one is set.

    Columns are either all named or all unnamed (then matched by position); names are unique.
    """

    columns: tuple[ColumnSpec, ...] = ()
    tensor: TensorSpec | None = None

    def __post_init__(self) -> None:
        columns = tuple(self.columns)
        object.__setattr__(self, "columns", columns)
        if bool(columns) == (self.tensor is not None):
            raise InvalidParameterError(
                "a schema has either columns or a tensor, exactly one of them", field="columns"
            )
        named = [spec.name for spec in columns if spec.name is not None]
        if named and len(named) != len(columns):
            raise InvalidParameterError(
                "schema columns must be all named or all unnamed", field="columns"
            )
        if len(set(named)) != len(named):
            duplicate = next(name for name in named if named.count(name) > 1)
            raise InvalidParameterError(
                f"schema has two columns named {duplicate!r}", field="columns"
            )

    @property
    def is_tensor(self) -> bool:
        """Whether this is a tensor schema."""
        return self.tensor is not None

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the columns in order; empty for tensor schemas and unnamed columns."""
        return tuple(spec.name for spec in self.columns if spec.name is not None)

    def to_list(self) -> list[dict[str, Any]]:
        """The schema in MLflow's JSON shape (one dict per column, or one tensor dict)."""
        if self.tensor is not None:
            return [
                {
                    "type": "tensor",
                    "tensor-spec": {"dtype": self.tensor.dtype, "shape": list(self.tensor.shape)},
                }
            ]
        items: list[dict[str, Any]] = []
        for spec in self.columns:
            item: dict[str, Any] = {"type": spec.type.value}
            if spec.name is not None:
                item["name"] = spec.name
            item["required"] = spec.required
            items.append(item)
        return items

    @classmethod
    def from_list(cls, items: Sequence[Mapping[str, Any]]) -> Schema:
        """Read :meth:`to_list`'s shape; raises ``ModelFormatError`` naming the bad item."""
        return _schema_from_list(items, "schema")


@dataclass(frozen=True, slots=True)
class ModelSignature:
    """A model's input contract and, optionally, what it returns."""

    inputs: Schema
    outputs: Schema | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"inputs": [...], "outputs": [...] | None}`` with :meth:`Schema.to_list` lists."""
        return {
            "inputs": self.inputs.to_list(),
            "outputs": None if self.outputs is None else self.outputs.to_list(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelSignature:
        """Read :meth:`to_dict`'s shape; raises ``ModelFormatError`` naming the bad field."""
        if not isinstance(data, Mapping):
            raise ModelFormatError(
                f"a signature must be a mapping, got {type(data).__name__}", field="signature"
            )
        return _signature_from(data, prefix="", parse=lambda value, _field: value)

    @classmethod
    def from_mlflow(cls, block: Mapping[str, Any]) -> ModelSignature:
        """Read the ``signature:`` block of an MLflow ``MLmodel`` file.

        Its ``inputs``/``outputs`` are JSON strings of the :meth:`Schema.to_list` shape
        (already-parsed lists are accepted too); ``params`` is ignored.
        """
        if not isinstance(block, Mapping):
            raise ModelFormatError(
                f"the MLmodel signature must be a mapping, got {type(block).__name__}",
                field="signature",
            )
        return _signature_from(block, prefix="signature.", parse=_parse_json)


def infer_signature(model_input: Any, model_output: Any = None) -> ModelSignature:
    """Infer a signature from example input (and output) data.

    A numpy array gives a tensor schema with shape ``(-1, *rest)``; a DataFrame, a dict of
    columns, a dict of scalars or a list of records gives a column schema typed from the
    dtypes; a Series gives one column (unnamed unless the Series has a string name). The same
    holds for ``model_output``, which may also be a plain list (``[0, 1, 1]``, read as an
    array); ``None`` leaves ``outputs`` unset. Columns are typed so that the same data passes
    enforcement:

    - ``bool`` → boolean; ``int8``/``int16``/``int32``/``uint8``/``uint16`` → integer;
      ``int64``/``uint32``/``uint64`` → long; ``float16``/``float32`` → float;
      ``float64`` → double (an int column with missing values is already float64 in pandas);
    - nullable ``Int*``/``Float*``/``boolean`` by their numpy type; a nullable integer column
      with missing values → double;
    - strings (``object`` or pandas' string dtype) → string; bytes → binary;
      ``datetime64`` (any unit or timezone) and datetime objects → datetime;
    - categoricals by the type of their values.

    Raises:
        SignatureError: A column cannot be typed (mixed types, only missing values, a boolean
            column with missing values, an unsupported type); ``field`` names it.
    """
    if _is_plain_list(model_output):
        model_output = np.asarray(model_output)
    outputs = None if model_output is None else _infer_schema(model_output, "model_output")
    return ModelSignature(inputs=_infer_schema(model_input, "model_input"), outputs=outputs)


def _is_plain_list(data: Any) -> bool:
    """A non-empty list whose first item is not a record: predictions like ``[0, 1, 1]``."""
    return isinstance(data, list) and bool(data) and not isinstance(data[0], Mapping)


def _infer_schema(data: Any, argument: str) -> Schema:
    if isinstance(data, pd.Series):
        name = data.name if isinstance(data.name, str) and data.name else None
        return Schema(columns=(ColumnSpec(name, _infer_column_type(name or argument, data)),))
    normalized = to_model_input(data, argument)
    if isinstance(normalized, np.ndarray):
        if normalized.dtype.kind not in "biuf":
            raise SignatureError(
                f"cannot infer a tensor signature from a {normalized.dtype} array; "
                "only boolean and numeric arrays are supported",
                field=argument,
            )
        return Schema(tensor=TensorSpec(normalized.dtype.name, (-1, *normalized.shape[1:])))
    specs = []
    for label, column in normalized.items():
        if not isinstance(label, str) or not label:
            raise SignatureError(
                f"column names must be non-empty strings to infer a signature, got {label!r}",
                field=argument,
            )
        specs.append(ColumnSpec(label, _infer_column_type(label, column)))
    if not specs:
        raise SignatureError(f"{argument} has no columns", field=argument)
    return Schema(columns=tuple(specs))


_INTEGER_DTYPES = frozenset(
    np.dtype(name) for name in ("int8", "int16", "int32", "uint8", "uint16")
)
_OBJECT_TYPES = {
    "string": DataType.STRING,
    "bytes": DataType.BINARY,
    "floating": DataType.DOUBLE,
    "mixed-integer-float": DataType.DOUBLE,
    "datetime": DataType.DATETIME,
    "datetime64": DataType.DATETIME,
    "date": DataType.DATETIME,
}


def _infer_column_type(name: str, values: pd.Series) -> DataType:
    values = unwrap_categorical(values)
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):
        return DataType.STRING
    if dtype.kind == "M":
        return DataType.DATETIME
    if is_extension_numeric(dtype):
        if values.hasnans and dtype.kind == "b":
            raise _cannot_type(name, "it is boolean with missing values; fill them first")
        if values.hasnans and dtype.kind in "iu":
            return DataType.DOUBLE
        dtype = dtype.numpy_dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        return _numpy_type(name, dtype, values)
    if dtype == OBJECT:
        return _object_type(name, values)
    raise _cannot_type(name, f"{dtype} is not a supported type")


def _object_type(name: str, values: pd.Series) -> DataType:
    kind = object_kind(values)
    if kind == "integer":
        return DataType.DOUBLE if values.hasnans else DataType.LONG
    if kind == "boolean" and not values.hasnans:
        return DataType.BOOLEAN
    if kind in _OBJECT_TYPES:
        return _OBJECT_TYPES[kind]
    if kind == "empty":
        raise _cannot_type(name, "it holds only missing values")
    if kind in {"mixed", "mixed-integer"}:
        raise _cannot_type(name, "it mixes strings, numbers or other types")
    if kind == "boolean":
        raise _cannot_type(name, "it is boolean with missing values; fill them first")
    raise _cannot_type(name, f"its values are {kind}")


def _numpy_type(name: str, dtype: np.dtype[Any], values: pd.Series) -> DataType:
    if dtype.kind == "b":
        return DataType.BOOLEAN
    if dtype.kind == "f":
        return DataType.DOUBLE if dtype.itemsize > 4 else DataType.FLOAT
    if dtype in _INTEGER_DTYPES:
        return DataType.INTEGER
    if dtype == np.uint64 and len(values) and values.max() > np.iinfo(np.int64).max:
        raise _cannot_type(name, "its uint64 values exceed the range of long (int64)")
    return DataType.LONG


def _cannot_type(name: str, reason: str) -> SignatureError:
    return SignatureError(f"cannot infer a type for column {name!r}: {reason}", field=name)


_TYPE_NAMES = ", ".join(member.value for member in DataType)


def _parse_json(value: Any, field: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise ModelFormatError(f"{field} is not valid JSON: {error.msg}", field=field) from error


def _signature_from(data: Mapping[str, Any], *, prefix: str, parse: Any) -> ModelSignature:
    if data.get("inputs") is None:
        raise ModelFormatError(f"{prefix}inputs is missing", field=f"{prefix}inputs")
    inputs = _schema_from_list(parse(data["inputs"], f"{prefix}inputs"), f"{prefix}inputs")
    raw_outputs = data.get("outputs")
    if raw_outputs is None:
        return ModelSignature(inputs=inputs)
    outputs = _schema_from_list(parse(raw_outputs, f"{prefix}outputs"), f"{prefix}outputs")
    return ModelSignature(inputs=inputs, outputs=outputs)


def _schema_from_list(items: Any, field: str) -> Schema:
    if not isinstance(items, list | tuple) or not items:
        raise ModelFormatError(f"{field} must be a non-empty list", field=field)
    for position, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ModelFormatError(
                f"{field}[{position}] must be a mapping, got {type(item).__name__}",
                field=f"{field}[{position}]",
            )
    if any(item.get("type") == "tensor" for item in items):
        if len(items) != 1:
            raise ModelFormatError(
                f"{field}: a tensor schema holds exactly one tensor (named tensors are "
                "not supported)",
                field=field,
            )
        return Schema(tensor=_tensor_from(items[0], f"{field}[0]"))
    columns = tuple(_column_from(item, f"{field}[{i}]") for i, item in enumerate(items))
    try:
        return Schema(columns=columns)
    except InvalidParameterError as error:
        raise ModelFormatError(f"{field}: {error.message}", field=field) from error


def _tensor_from(item: Mapping[str, Any], field: str) -> TensorSpec:
    if item.get("name") is not None:
        raise ModelFormatError(
            f"{field}: named tensors are not supported (found {item['name']!r})",
            field=f"{field}.name",
        )
    spec = item.get("tensor-spec")
    if not isinstance(spec, Mapping):
        raise ModelFormatError(
            f"{field}.tensor-spec must be a mapping with dtype and shape",
            field=f"{field}.tensor-spec",
        )
    dtype, shape = spec.get("dtype"), spec.get("shape")
    if not isinstance(dtype, str):
        raise ModelFormatError(
            f"{field}.tensor-spec.dtype must be a string", field=f"{field}.tensor-spec.dtype"
        )
    if not isinstance(shape, list | tuple):
        raise ModelFormatError(
            f"{field}.tensor-spec.shape must be a list", field=f"{field}.tensor-spec.shape"
        )
    try:
        return TensorSpec(dtype=dtype, shape=tuple(shape))
    except InvalidParameterError as error:
        where = f"{field}.tensor-spec.{error.field}"
        raise ModelFormatError(f"{where}: {error.message}", field=where) from error


def _column_from(item: Mapping[str, Any], field: str) -> ColumnSpec:
    kind = item.get("type")
    if kind not in _TYPE_VALUES:
        raise ModelFormatError(
            f"{field}.type {kind!r} is not supported; expected one of {_TYPE_NAMES} or tensor",
            field=f"{field}.type",
        )
    name = item.get("name")
    if name is not None and (not isinstance(name, str) or not name):
        raise ModelFormatError(
            f"{field}.name must be a non-empty string, got {name!r}", field=f"{field}.name"
        )
    required = item.get("required", True)
    if not isinstance(required, bool):
        raise ModelFormatError(
            f"{field}.required must be true or false, got {required!r}",
            field=f"{field}.required",
        )
    return ColumnSpec(name=name, type=DataType(kind), required=required)


_TYPE_VALUES = frozenset(member.value for member in DataType)
