"""Parsing the JSON input keys of MLflow's scoring protocol into a :class:`ModelInput`.

Mirrors ``mlflow.pyfunc.scoring_server`` (MLflow 3.x) for models with a column or tensor
signature: ``dataframe_split`` (``data`` plus optional ``columns`` and ``index``),
``dataframe_records`` (a list of records), ``instances`` (records, or a tensor as nested
lists) and ``inputs`` (a dict of columns, records, or a tensor). Type casting is left to the
model's signature enforcement, as in MLflow; what MLflow rejects here is rejected here, with
the key at fault in ``field``.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np

from driftloop.serving._format_errors import InvalidRequestError
from driftloop.serving._format_input import InputKind, ModelInput

DATAFRAME_SPLIT = "dataframe_split"
DATAFRAME_RECORDS = "dataframe_records"
INSTANCES = "instances"
INPUTS = "inputs"
INPUT_KEYS = (DATAFRAME_SPLIT, DATAFRAME_RECORDS, INSTANCES, INPUTS)
PARAMS = "params"

_SPLIT_KEYS = frozenset({"data", "columns", "index"})


def parse_input_document(document: dict[str, Any]) -> ModelInput:
    """The request's rows from a decoded JSON object holding exactly one input key.

    Keys other than the input keys and ``params`` are ignored, as MLflow does.

    Raises:
        InvalidRequestError: None or several input keys, malformed data, no rows, or
            ``params`` that is not an object.
    """
    present = [key for key in INPUT_KEYS if key in document]
    if len(present) != 1:
        found = ", ".join(repr(key) for key in document) or "none"
        raise InvalidRequestError(
            "the request must be a JSON object with exactly one of the input keys "
            f"{', '.join(map(repr, INPUT_KEYS))}; found keys: {found}",
            field=present[1] if len(present) > 1 else "body",
        )
    key = present[0]
    params = document.get(PARAMS)
    if params is not None and not isinstance(params, dict):
        raise InvalidRequestError(
            f"'params' must be a JSON object, got {_json_type(params)}", field=PARAMS
        )
    value = document[key]
    if key == DATAFRAME_SPLIT:
        return _split(value, params)
    if key == DATAFRAME_RECORDS:
        return _records(value, key, params)
    if key == INSTANCES:
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return _records(value, key, params)
        return _tensor(value, key, params)
    if isinstance(value, dict):
        return _columns(value, params)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return _records(value, key, params)
    return _tensor(value, key, params)


def _split(value: Any, params: dict[str, Any] | None) -> ModelInput:
    field = DATAFRAME_SPLIT
    if not isinstance(value, dict):
        raise InvalidRequestError(
            f"{field} must be an object with 'data' and optional 'columns' and 'index', "
            f"got {_json_type(value)}",
            field=field,
        )
    extra = sorted(set(value) - _SPLIT_KEYS)
    if "data" not in value or extra:
        problem = f"unknown keys {extra}" if extra else "no 'data'"
        raise InvalidRequestError(
            f"{field} must have 'data' and optionally 'columns' and 'index' ({problem})",
            field=field,
        )
    data = value["data"]
    if not isinstance(data, list):
        raise InvalidRequestError(
            f"{field}.data must be a list of rows, got {_json_type(data)}", field=f"{field}.data"
        )
    _require_rows(len(data), f"{field}.data")
    columns = _split_columns(value.get("columns"), data)
    width = len(columns)
    rows: list[list[Any]] = []
    for position, row in enumerate(data):
        if not isinstance(row, list):
            row = [row]  # noqa: PLW2901 - pandas reads a list of scalars as one column
        if len(row) != width:
            raise InvalidRequestError(
                f"{field}.data row {position} has {len(row)} values for {width} columns",
                field=f"{field}.data",
            )
        rows.append(row)
    index = value.get("index")
    if index is not None and (not isinstance(index, list) or len(index) != len(rows)):
        raise InvalidRequestError(
            f"{field}.index must be a list with one label per row ({len(rows)})",
            field=f"{field}.index",
        )
    return ModelInput(InputKind.ROWS, len(rows), rows, columns, index, params)


def _split_columns(columns: Any, data: list[Any]) -> tuple[Hashable, ...]:
    if columns is None:
        first = data[0]
        return tuple(range(len(first))) if isinstance(first, list) else (0,)
    if not isinstance(columns, list) or not all(
        isinstance(name, str | int) and not isinstance(name, bool) for name in columns
    ):
        raise InvalidRequestError(
            f"{DATAFRAME_SPLIT}.columns must be a list of column names",
            field=f"{DATAFRAME_SPLIT}.columns",
        )
    if len(set(columns)) != len(columns):
        raise InvalidRequestError(
            f"{DATAFRAME_SPLIT}.columns names a column twice",
            field=f"{DATAFRAME_SPLIT}.columns",
        )
    return tuple(columns)


def _records(value: Any, field: str, params: dict[str, Any] | None) -> ModelInput:
    if not isinstance(value, list):
        raise InvalidRequestError(
            f"{field} must be a list of records (objects), got {_json_type(value)}", field=field
        )
    _require_rows(len(value), field)
    first = value[0]
    if not isinstance(first, dict):
        raise InvalidRequestError(
            f"{field} must be a list of records (objects), but item 0 is {_json_type(first)}",
            field=field,
        )
    columns = tuple(first)
    if len(value) == 1:
        return ModelInput(InputKind.ROWS, 1, [list(first.values())], columns, None, params)
    same_keys = True
    for position, record in enumerate(value):
        if not isinstance(record, dict):
            raise InvalidRequestError(
                f"{field} must be a list of records (objects), but item {position} is "
                f"{_json_type(record)}",
                field=field,
            )
        same_keys = same_keys and tuple(record) == columns
    if same_keys:
        rows = [list(record.values()) for record in value]
    else:  # a key missing from a record is a missing value, as pandas reads records
        names = dict.fromkeys(key for record in value for key in record)
        columns = tuple(names)
        rows = [[record.get(name) for name in columns] for record in value]
    return ModelInput(InputKind.ROWS, len(rows), rows, columns, None, params)


def _columns(value: dict[str, Any], params: dict[str, Any] | None) -> ModelInput:
    if not value:
        raise InvalidRequestError(f"{INPUTS} is an empty object (no columns)", field=INPUTS)
    arrays: dict[str, np.ndarray] = {}
    scalars = [not isinstance(column, list) for column in value.values()]
    if any(scalars) and not all(scalars):
        raise InvalidRequestError(
            f"{INPUTS} mixes columns (lists) and single values; give every column as a list",
            field=INPUTS,
        )
    for name, column in value.items():
        arrays[name] = _array([column] if scalars[0] else column, f"{INPUTS}.{name}")
    lengths = {len(array) for array in arrays.values()}
    if len(lengths) != 1:
        raise InvalidRequestError(
            f"the columns of {INPUTS} have different lengths {sorted(lengths)}", field=INPUTS
        )
    num_rows = lengths.pop()
    _require_rows(num_rows, INPUTS)
    return ModelInput(InputKind.COLUMNS, num_rows, arrays, tuple(arrays), None, params)


def _tensor(value: Any, field: str, params: dict[str, Any] | None) -> ModelInput:
    if not isinstance(value, list):
        raise InvalidRequestError(
            f"{field} must be a list (of rows or records), got {_json_type(value)}", field=field
        )
    array = _array(value, field)
    _require_rows(len(array), field)
    return ModelInput(InputKind.TENSOR, len(array), array, (), None, params)


def _array(value: list[Any], field: str) -> np.ndarray:
    try:
        array = np.array(value)
    except ValueError as error:
        raise InvalidRequestError(
            f"{field} is not a regular array (rows of different lengths?)", field=field
        ) from error
    if array.ndim == 0 or array.dtype == object:
        raise InvalidRequestError(
            f"{field} must be a regular array of numbers, booleans or strings", field=field
        )
    return array


def _require_rows(count: int, field: str) -> None:
    if count == 0:
        raise InvalidRequestError(f"{field} has no rows", field=field)


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")
