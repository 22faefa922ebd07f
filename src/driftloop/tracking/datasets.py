"""Describe in-memory data (pandas DataFrames, numpy arrays) as :class:`Dataset` entities.

The digest is the first 16 hex characters of a SHA-256 over a canonical serialization of the
data (values, column names and dtypes), so logging the same data twice gives the same digest.
pandas and numpy are imported only when such data is passed.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from typing import Any

from driftloop.entities import Dataset
from driftloop.errors import InvalidParameterError

DIGEST_LENGTH = 16
DEFAULT_DATASET_NAME = "dataset"


DATASET_CONTEXT_TAG = "mlflow.data.context"
"""Input tag naming what a run used a dataset for (``training``, ``validation``...)."""


def is_dataframe(data: object) -> bool:
    """True for a pandas DataFrame (checked without importing pandas)."""
    return any(
        cls.__name__ == "DataFrame" and cls.__module__.startswith("pandas")
        for cls in type(data).__mro__
    )


def is_ndarray(data: object) -> bool:
    """True for a numpy ndarray (checked without importing numpy)."""
    return any(
        cls.__name__ == "ndarray" and cls.__module__.startswith("numpy")
        for cls in type(data).__mro__
    )


def dataset_from_data(
    data: object,
    name: str | None = None,
    source: str | None = None,
    source_type: str | None = None,
) -> Dataset:
    """Build a :class:`Dataset` describing a DataFrame or an ndarray.

    Args:
        data: A ``pandas.DataFrame`` or a ``numpy.ndarray``.
        name: Dataset name; ``"dataset"`` by default.
        source: Where the data came from (a path or URI), recorded as JSON ``{"uri": ...}``.
        source_type: Kind of source; ``"local"`` when ``source`` is given, else ``"code"``.

    Raises:
        InvalidParameterError: ``data`` is neither a DataFrame nor an ndarray.
    """
    if is_dataframe(data):
        digest, schema, profile = _describe_dataframe(data)
    elif is_ndarray(data):
        digest, schema, profile = _describe_ndarray(data)
    else:
        raise InvalidParameterError(
            "dataset must be a driftloop Dataset, a pandas DataFrame or a numpy array; "
            f"got {type(data).__name__}",
            field="dataset",
        )
    return Dataset(
        name=name or DEFAULT_DATASET_NAME,
        digest=digest,
        source_type=source_type or ("local" if source else "code"),
        source=json.dumps({"uri": source} if source else {}),
        schema=json.dumps(schema, sort_keys=True),
        profile=json.dumps(profile, sort_keys=True),
    )


def _describe_dataframe(frame: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    pandas = importlib.import_module("pandas")
    columns = [{"name": str(column), "type": str(dtype)} for column, dtype in frame.dtypes.items()]
    hasher = hashlib.sha256(json.dumps(columns).encode())
    try:
        row_hashes = pandas.util.hash_pandas_object(frame, index=True)
        hasher.update(row_hashes.to_numpy().tobytes())
    except TypeError:  # unhashable cells (lists, dicts): fall back to their text form
        hasher.update(frame.to_csv(index=True).encode())
    rows, width = frame.shape
    profile = {"num_rows": int(rows), "num_elements": int(rows) * int(width)}
    return hasher.hexdigest()[:DIGEST_LENGTH], {"columns": columns}, profile


def _describe_ndarray(array: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    numpy = importlib.import_module("numpy")
    contiguous = numpy.ascontiguousarray(array)
    header = {"dtype": contiguous.dtype.str, "shape": list(contiguous.shape)}
    hasher = hashlib.sha256(json.dumps(header).encode())
    if contiguous.dtype.hasobject:  # object arrays hold pointers: hash their values instead
        hasher.update(json.dumps(contiguous.tolist(), default=repr).encode())
    else:
        hasher.update(contiguous.tobytes())
    shape = list(array.shape)
    schema = {"tensor": {"dtype": str(array.dtype), "shape": [-1, *shape[1:]] if shape else []}}
    rows = int(shape[0]) if shape else 1
    profile = {"num_rows": rows, "num_elements": int(array.size)}
    return hasher.hexdigest()[:DIGEST_LENGTH], schema, profile
