"""Input examples: a few rows saved with the model, to document and smoke-test its input.

Columns are stored in pandas' ``split`` orientation (``{"columns", "data"}``), arrays as
``{"ndarray": [...], "dtype": ...}``; both are plain JSON (non-finite numbers become null).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from driftloop.errors import InvalidParameterError, ModelFormatError
from driftloop.models.enforcement import as_model_input

INPUT_EXAMPLE_FILE = "input_example.json"
MAX_EXAMPLE_ROWS = 5


def example_to_dict(example: Any) -> dict[str, Any]:
    """Keep at most five rows of ``example`` as JSON-ready data."""
    data = as_model_input(example)
    if isinstance(data, pd.DataFrame):
        head = data.head(MAX_EXAMPLE_ROWS)
        return {
            "type": "dataframe",
            **json.loads(head.to_json(orient="split", index=False, date_format="iso")),
        }
    array = np.asarray(data)[:MAX_EXAMPLE_ROWS]
    if array.dtype.kind not in "biuf":
        raise InvalidParameterError(
            f"an array input example must be numeric or boolean, got dtype {array.dtype}",
            field="input_example",
        )
    cleaned = np.where(np.isfinite(array), array, np.nan) if array.dtype.kind == "f" else array
    values = [[None if _is_nan(v) else v for v in row] for row in np.atleast_2d(cleaned).tolist()]
    return {"type": "ndarray", "ndarray": values, "dtype": str(array.dtype)}


def example_from_dict(data: dict[str, Any]) -> pd.DataFrame | np.ndarray:
    """Rebuild an input example saved by :func:`example_to_dict`.

    Raises:
        ModelFormatError: The data is not an input example.
    """
    kind = data.get("type")
    if kind == "dataframe":
        return pd.DataFrame(data.get("data", []), columns=data.get("columns", []))
    if kind == "ndarray":
        values = [[np.nan if v is None else v for v in row] for row in data.get("ndarray", [])]
        return np.asarray(values, dtype=np.dtype(str(data.get("dtype", "float64"))))
    raise ModelFormatError(f"{INPUT_EXAMPLE_FILE} has unknown type {kind!r}", field="input_example")


def write_input_example(directory: Path, example: Any) -> None:
    """Save ``example`` (at most five rows) as ``input_example.json`` in ``directory``."""
    text = json.dumps(example_to_dict(example), allow_nan=False, default=_json_default)
    (directory / INPUT_EXAMPLE_FILE).write_text(text + "\n", encoding="utf-8")


def read_input_example(directory: Path) -> pd.DataFrame | np.ndarray | None:
    """The saved input example, or None when the model has none."""
    path = directory / INPUT_EXAMPLE_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ModelFormatError(
            f"{INPUT_EXAMPLE_FILE} is not valid JSON", field="input_example"
        ) from error
    if not isinstance(data, dict):
        raise ModelFormatError(f"{INPUT_EXAMPLE_FILE} must hold an object", field="input_example")
    return example_from_dict(data)


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON-serializable")
