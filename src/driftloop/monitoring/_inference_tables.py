"""Records → Arrow tables (run on the writer thread), and unifying tables across files."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]

from driftloop.monitoring._inference_records import FailedRequest, FeedbackLabel, ScoredRequest

FEATURE_PREFIX = "feature."
TIMESTAMP = pa.timestamp("ms", tz="UTC")
PROBABILITIES = pa.list_(pa.float64())

#: Columns of every predictions file, before the ``feature.*`` columns.
PREDICTION_FIELDS = (
    pa.field("request_id", pa.string()),
    pa.field("row_index", pa.int32()),
    pa.field("timestamp", TIMESTAMP),
    pa.field("deployment", pa.string()),
    pa.field("model_name", pa.string()),
    pa.field("model_version", pa.int32()),
    pa.field("route", pa.string()),
    pa.field("latency_ms", pa.float64()),
    pa.field("prediction", pa.null()),
    pa.field("probabilities", PROBABILITIES),
)
FEEDBACK_COLUMNS = ("request_id", "row_index", "label", "timestamp")

#: Columns of every failures file: one row per failed request.
FAILURE_FIELDS = (
    pa.field("request_id", pa.string()),
    pa.field("timestamp", TIMESTAMP),
    pa.field("deployment", pa.string()),
    pa.field("model_name", pa.string()),
    pa.field("model_version", pa.int32()),
    pa.field("route", pa.string()),
    pa.field("error_type", pa.string()),
    pa.field("error_code", pa.string()),
    pa.field("status", pa.int16()),
    pa.field("latency_ms", pa.float64()),
)


def typed_array(values: list[object]) -> pa.Array:
    """An Arrow array typed from the values; values of mixed types become strings."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if value is None else str(value) for value in values], pa.string())


def predictions_table(requests: Sequence[ScoredRequest], deployment: str) -> pa.Table:
    """One row per scored row of ``requests`` (which all have the same feature columns)."""
    counts = np.fromiter((len(r.features) for r in requests), dtype=np.int64, count=len(requests))
    total = int(counts.sum())
    ends = np.cumsum(counts)
    row_index = np.arange(total, dtype=np.int32) - np.repeat(ends - counts, counts).astype(np.int32)

    def repeat(values: list[object], arrow_type: pa.DataType) -> pa.Array:
        return pa.array(np.repeat(np.array(values, dtype=object), counts), arrow_type)

    predictions: list[object] = []
    probabilities: list[object] = []
    for request in requests:
        values: object = request.predictions  # callers often pass a model's ndarray
        if isinstance(values, np.ndarray):
            predictions.extend(values.tolist())
        else:
            predictions.extend(_plain(value) for value in request.predictions)
        if request.probabilities is None:
            probabilities.extend([None] * len(request.features))
        else:  # Arrow converts ints, tuples and NumPy rows to list<float64> itself
            probabilities.extend(request.probabilities)
    columns: dict[str, pa.Array] = {
        "request_id": repeat([r.request_id for r in requests], pa.string()),
        "row_index": pa.array(row_index, pa.int32()),
        "timestamp": pa.array(np.repeat([r.timestamp_ms for r in requests], counts), TIMESTAMP),
        "deployment": pa.array(np.repeat(np.array([deployment], dtype=object), total)),
        "model_name": repeat([r.model_name for r in requests], pa.string()),
        "model_version": pa.array(
            np.repeat([r.model_version for r in requests], counts), pa.int32()
        ),
        "route": repeat([r.route for r in requests], pa.string()),
        "latency_ms": pa.array(np.repeat([r.latency_ms for r in requests], counts), pa.float64()),
        "prediction": typed_array(predictions),
        "probabilities": pa.array(probabilities, PROBABILITIES),
    }
    frames = [r.features for r in requests]
    features = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    feature_table = pa.Table.from_pandas(features, preserve_index=False)
    for name, column in zip(feature_table.column_names, feature_table.columns, strict=True):
        columns[f"{FEATURE_PREFIX}{name}"] = column.combine_chunks()
    return pa.table(columns)


def feedback_table(labels: Sequence[FeedbackLabel], now_ms: int) -> pa.Table:
    """One row per label; a label without a timestamp gets ``now_ms``."""
    return pa.table(
        {
            "request_id": pa.array([label.request_id for label in labels], pa.string()),
            "row_index": pa.array([label.row_index for label in labels], pa.int32()),
            "label": typed_array([_plain(label.label) for label in labels]),
            "timestamp": pa.array(
                [label.timestamp_ms or now_ms for label in labels], pa.int64()
            ).cast(TIMESTAMP),
        }
    )


def failures_table(failures: Sequence[FailedRequest], deployment: str) -> pa.Table:
    """One row per failed request, in the :data:`FAILURE_FIELDS` schema."""
    values = {
        "request_id": [f.request_id for f in failures],
        "timestamp": [f.timestamp_ms for f in failures],
        "deployment": [deployment] * len(failures),
        "model_name": [f.model_name for f in failures],
        "model_version": [f.model_version for f in failures],
        "route": [f.route for f in failures],
        "error_type": [f.error_type for f in failures],
        "error_code": [f.error_code for f in failures],
        "status": [f.status for f in failures],
        "latency_ms": [float(f.latency_ms) for f in failures],
    }
    return pa.table(
        [pa.array(values[field.name], field.type) for field in FAILURE_FIELDS],
        schema=pa.schema(list(FAILURE_FIELDS)),
    )


def _plain(value: object) -> object:
    """NumPy scalars and arrays as Python values, so Arrow infers one type for a column."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def unify(tables: Sequence[pa.Table]) -> pa.Table:
    """Concatenate tables whose columns differ: missing columns null, types promoted.

    Types promote permissively (int32 + int64 → int64, int + float → float, null → any);
    a column whose types cannot be promoted (int in one file, string in another) becomes
    string. Column order: first seen first.
    """
    if len(tables) == 1:
        return tables[0]
    types: dict[str, list[pa.DataType]] = {}
    for table in tables:
        for field in table.schema:
            types.setdefault(field.name, []).append(field.type)
    target = pa.schema([pa.field(name, _promote(found)) for name, found in types.items()])
    aligned = []
    for table in tables:
        columns = []
        for field in target:
            if field.name in table.column_names:
                columns.append(_cast(table.column(field.name), field.type))
            else:
                columns.append(pa.nulls(table.num_rows, field.type))
        aligned.append(pa.Table.from_arrays(columns, schema=target))
    return pa.concat_tables(aligned)


def _promote(found: list[pa.DataType]) -> pa.DataType:
    distinct = list(dict.fromkeys(found))
    if len(distinct) == 1:
        return distinct[0]
    try:
        schemas = [pa.schema([pa.field("c", arrow_type)]) for arrow_type in distinct]
        return pa.unify_schemas(schemas, promote_options="permissive").field("c").type
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pa.string()


def _cast(column: pa.ChunkedArray, arrow_type: pa.DataType) -> pa.ChunkedArray:
    if column.type == arrow_type:
        return column
    try:
        return column.cast(arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        values = [None if value is None else str(value) for value in column.to_pylist()]
        return pa.chunked_array([pa.array(values, arrow_type)], arrow_type)
