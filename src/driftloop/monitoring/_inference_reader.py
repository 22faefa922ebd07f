"""Reading the inference log: time or row-count windows, feedback join, failures, id look-ups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from driftloop.errors import InvalidParameterError
from driftloop.monitoring._inference_storage import LogStorage, open_storage, utc_date
from driftloop.monitoring._inference_tables import (
    FAILURE_FIELDS,
    FEATURE_PREFIX,
    FEEDBACK_COLUMNS,
    PREDICTION_FIELDS,
    TIMESTAMP,
    unify,
)
from driftloop.monitoring.request_ids import request_id_time_ms

_DAY_MS = 86_400_000
_ORDER = [("timestamp", "ascending"), ("request_id", "ascending"), ("row_index", "ascending")]
_FAILURE_ORDER = _ORDER[:2]


def read_inference_log(
    root_uri: str,
    deployment: str,
    *,
    start: dt.datetime | int | None = None,
    end: dt.datetime | int | None = None,
    last_rows: int | None = None,
    routes: Collection[str] | None = None,
    with_feedback: bool = True,
    filesystem: Any = None,
) -> pa.Table:
    """Scored rows in ``[start, end)``, or the newest ``last_rows``, in timestamp order.

    Only the date partitions the window touches are read (for ``last_rows``, the newest
    partitions until enough rows are found). Files with different feature columns or types
    are unified: missing columns are null, types promote (int → float, otherwise string).

    Args:
        root_uri: The log's root (local path, ``file://`` or ``s3://`` URI).
        deployment: Deployment name.
        start: Inclusive lower bound: Unix ms, or a timezone-aware datetime.
        end: Exclusive upper bound, likewise.
        last_rows: Return only the newest this many rows (within ``start``/``end`` if given).
        routes: Keep only rows of these routes.
        with_feedback: Add ``label`` and ``label_timestamp`` (the latest label of each row,
            null when there is none).
        filesystem: An fsspec filesystem to read through instead of the URI's own.

    Raises:
        InvalidParameterError: A naive datetime, ``last_rows`` below 1, a bad deployment
            name or URI.
    """
    start_ms, end_ms = _to_ms(start, "start"), _to_ms(end, "end")
    if last_rows is not None and (isinstance(last_rows, bool) or last_rows < 1):
        raise InvalidParameterError("last_rows must be a positive integer", field="last_rows")
    storage = open_storage(root_uri, deployment, filesystem)
    dates = [
        date
        for date in storage.dates("predictions")
        if (start_ms is None or date >= utc_date(start_ms))
        and (end_ms is None or date <= utc_date(end_ms - 1))
    ]

    def window(chosen: list[str]) -> pa.Table | None:
        tables = storage.read(storage.files("predictions", chosen))
        if not tables:
            return None
        return _select(unify(tables), start_ms, end_ms, routes)

    if last_rows is None:
        table = window(dates)
        parts = [] if table is None else [table]
    else:
        parts, found = [], 0
        for date in reversed(dates):
            part = window([date])
            if part is not None:
                parts.insert(0, part)
                found += part.num_rows
            if found >= last_rows:
                break
    table = _in_time_order(unify(parts)) if parts else _empty()
    if last_rows is not None and table.num_rows > last_rows:
        table = table.slice(table.num_rows - last_rows)
    if with_feedback:
        table = _join_feedback(storage, table)
    return table


def read_failures(
    root_uri: str,
    deployment: str,
    *,
    start: dt.datetime | int | None = None,
    end: dt.datetime | int | None = None,
    routes: Collection[str] | None = None,
    filesystem: Any = None,
) -> pa.Table:
    """Failed requests in ``[start, end)``, in timestamp order: one row per request.

    Columns are :data:`FAILURE_FIELDS` (``request_id``, ``timestamp``, ``deployment``,
    ``model_name``, ``model_version``, ``route``, ``error_type``, ``error_code``, ``status``,
    ``latency_ms``). A log written before failures were recorded has no ``failures``
    partitions: the table is then empty, as for a deployment that never failed.

    Args:
        root_uri: The log's root (local path, ``file://`` or ``s3://`` URI).
        deployment: Deployment name.
        start: Inclusive lower bound: Unix ms, or a timezone-aware datetime.
        end: Exclusive upper bound, likewise.
        routes: Keep only failures of these routes.
        filesystem: An fsspec filesystem to read through instead of the URI's own.

    Raises:
        InvalidParameterError: A naive datetime, a bad deployment name or URI.
    """
    start_ms, end_ms = _to_ms(start, "start"), _to_ms(end, "end")
    storage = open_storage(root_uri, deployment, filesystem)
    dates = [
        date
        for date in storage.dates("failures")
        if (start_ms is None or date >= utc_date(start_ms))
        and (end_ms is None or date <= utc_date(end_ms - 1))
    ]
    schema = pa.schema(list(FAILURE_FIELDS))
    tables = storage.read(storage.files("failures", dates))
    if not tables:
        return schema.empty_table()
    table = _select(unify([*tables, schema.empty_table()]), start_ms, end_ms, routes)
    return _in_time_order(table, _FAILURE_ORDER)


def find_request_ids(
    root_uri: str, deployment: str, request_ids: Collection[str], *, filesystem: Any = None
) -> set[str]:
    """Which of ``request_ids`` are in the written predictions log.

    Reads only the ``request_id`` column of the date partitions the ids' embedded UUIDv7
    timestamps point at (± one day for clock skew). Ids without a timestamp (not UUIDv7) make
    it look through every partition. Rows still queued in a writer are not seen.

    Raises:
        InvalidParameterError: A bad deployment name or URI.
    """
    wanted = {str(request_id) for request_id in request_ids}
    if not wanted:
        return set()
    storage = open_storage(root_uri, deployment, filesystem)
    existing = storage.dates("predictions")
    times = [request_id_time_ms(request_id) for request_id in wanted]
    if any(ms is None for ms in times):
        dates = existing
    else:
        near = {
            utc_date(ms + shift)
            for ms in times
            if ms is not None
            for shift in (-_DAY_MS, 0, _DAY_MS)
        }
        dates = [date for date in existing if date in near]
    value_set = pa.array(sorted(wanted), pa.string())
    found: set[str] = set()
    for table in storage.read(storage.files("predictions", dates), columns=["request_id"]):
        column = table.column("request_id")
        found.update(column.filter(pc.is_in(column, value_set=value_set)).unique().to_pylist())
    return found


def feature_frame(table: pa.Table) -> pd.DataFrame:
    """The ``feature.*`` columns of a log table as a DataFrame under their original names."""
    names = [name for name in table.column_names if name.startswith(FEATURE_PREFIX)]
    frame: pd.DataFrame = table.select(names).to_pandas()
    frame.columns = [name[len(FEATURE_PREFIX) :] for name in names]
    return frame


def _to_ms(value: dt.datetime | int | None, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidParameterError(
                f"{field} must be a timezone-aware datetime (or Unix milliseconds)", field=field
            )
        return (value - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(milliseconds=1)
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidParameterError(f"{field} must be Unix milliseconds or a datetime", field=field)
    return int(value)


def _select(
    table: pa.Table, start_ms: int | None, end_ms: int | None, routes: Collection[str] | None
) -> pa.Table:
    masks = []
    stamps = table.column("timestamp")
    if start_ms is not None:
        masks.append(pc.greater_equal(stamps, pa.scalar(start_ms, TIMESTAMP)))
    if end_ms is not None:
        masks.append(pc.less(stamps, pa.scalar(end_ms, TIMESTAMP)))
    if routes is not None:
        allowed = pa.array(sorted(routes), pa.string())
        masks.append(pc.is_in(table.column("route"), value_set=allowed))
    if not masks:
        return table
    mask = masks[0]
    for more in masks[1:]:
        mask = pc.and_(mask, more)
    return table.filter(mask)


def _in_time_order(table: pa.Table, order: list[tuple[str, str]] = _ORDER) -> pa.Table:
    """Sort by timestamp (then id and row); files are mostly in order, so check first."""
    stamps = table.column("timestamp").cast(pa.int64()).to_numpy()
    if stamps.size < 2 or bool(np.all(stamps[1:] >= stamps[:-1])):
        return table
    return table.sort_by(order)


def _empty() -> pa.Table:
    return pa.schema(list(PREDICTION_FIELDS)).empty_table()


def _join_feedback(storage: LogStorage, table: pa.Table) -> pa.Table:
    """Add the latest label of each (request_id, row_index), null where there is none."""
    latest = None
    if table.num_rows:
        earliest = pc.min(table.column("timestamp")).value
        first = utc_date(max(earliest - _DAY_MS, 0))
        dates = [date for date in storage.dates("feedback") if date >= first]
        labels = storage.read(storage.files("feedback", dates), columns=list(FEEDBACK_COLUMNS))
        if labels:
            feedback = unify(labels)
            ids = pc.unique(table.column("request_id"))
            feedback = feedback.filter(pc.is_in(feedback.column("request_id"), value_set=ids))
            latest = (
                feedback.sort_by([("timestamp", "ascending")])
                .group_by(["request_id", "row_index"], use_threads=False)
                .aggregate([("label", "last"), ("timestamp", "last")])
            )
    if latest is None or latest.num_rows == 0:
        return table.append_column("label", pa.nulls(table.num_rows)).append_column(
            "label_timestamp", pa.nulls(table.num_rows, TIMESTAMP)
        )
    # Join only the rows that have a label (usually few), then scatter by position.
    labelled = pc.is_in(table.column("request_id"), value_set=latest.column("request_id"))
    positions = np.flatnonzero(labelled.to_numpy(zero_copy_only=False))
    keys = table.select(["request_id", "row_index"]).take(positions)
    keys = keys.append_column("__position", pa.array(positions))
    latest = latest.append_column("__row", pa.array(np.arange(latest.num_rows)))
    joined = keys.join(
        latest.select(["request_id", "row_index", "__row"]),
        ["request_id", "row_index"],
        join_type="inner",
    )
    rows = np.full(table.num_rows, -1, dtype=np.int64)
    rows[joined.column("__position").to_numpy()] = joined.column("__row").to_numpy()
    take = pa.array(rows, mask=rows < 0)
    return table.append_column("label", latest.column("label_last").take(take)).append_column(
        "label_timestamp", latest.column("timestamp_last").take(take)
    )
