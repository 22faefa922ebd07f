"""A page of runs as plain records, for readers that turn it straight into JSON.

A :class:`~driftloop.entities.Run` costs more to build than its row costs to read: at a
1,000-run page (the mlflow client's default) building the entities took longer than the
PostgreSQL statement, and the MLflow route then took them apart again into dictionaries.
A :class:`RunRecord` is what the search read, with nothing built: the ``runs`` row as
selected (:data:`~driftloop.store.sql.run_loading.RUN_COLUMNS`, status and stage as stored),
params and tags as dictionaries, and each latest metric as ``(value, timestamp, step)``.
Keys are in no particular order. The MLflow route serialises records directly
(:func:`driftloop.server.mlflow_api.convert.run_record_json`), and a test holds that to the
entity path, run for run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection

from driftloop.entities import DatasetInput
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.run_loading import (
    DATA,
    HAS_INPUTS,
    METRIC,
    PARAM,
    PageData,
    load_inputs,
)

NAN = float("nan")

MetricPoint = tuple[float, int, int]
"""A latest metric in a record: ``(value, timestamp, step)``; NaN stays NaN."""


class RunRecord(NamedTuple):
    """One run of a search page, unbuilt (see the module docstring).

    Attributes:
        row: Starts with the ``runs`` columns of
            :data:`~driftloop.store.sql.run_loading.RUN_COLUMNS`, in that order: run id,
            experiment key (an int), name, user id, status, start time, end time (or None),
            artifact URI, lifecycle stage; other columns may follow.
        params: Param values by key.
        tags: Tag values by key.
        metrics: Each latest metric's ``(value, timestamp, step)`` by key.
        inputs: The run's dataset inputs, in the order they were logged.
    """

    row: Sequence[Any]
    params: dict[str, str]
    tags: dict[str, str]
    metrics: dict[str, MetricPoint]
    inputs: tuple[DatasetInput, ...]


def records_with_data(
    db: SqlDatabase, conn: Connection, rows: Sequence[Sequence[Any]]
) -> list[RunRecord]:
    """Records from the rows of a :func:`~.run_loading.with_page_data` select (PostgreSQL)."""
    with_inputs = [row[0] for row in rows if row[HAS_INPUTS]]
    inputs = load_inputs(db, conn, with_inputs) if with_inputs else {}
    records = []
    for row in rows:
        params, tags, metrics = orjson.loads(row[DATA])
        run_inputs = inputs.get(row[0])
        records.append(
            RunRecord(
                row,
                params or {},
                tags or {},
                {
                    key: (NAN if value is None else float(value), stamp, step)
                    for key, (value, stamp, step) in metrics.items()
                }
                if metrics
                else {},
                tuple(run_inputs) if run_inputs else (),
            )
        )
    return records


def records_from_page_data(rows: Sequence[Sequence[Any]], data: PageData) -> list[RunRecord]:
    """Records from ``runs`` rows and their :func:`~.run_loading.fetch_page_data` (SQLite)."""
    keyed, inputs = data
    params: dict[str, dict[str, str]] = defaultdict(dict)
    tags: dict[str, dict[str, str]] = defaultdict(dict)
    metrics: dict[str, dict[str, MetricPoint]] = defaultdict(dict)
    for kind, run_id, key, text, number, timestamp, step in keyed:
        if kind == PARAM:
            params[run_id][key] = text
        elif kind == METRIC:
            metrics[run_id][key] = (NAN if number is None else number, timestamp, step)
        else:
            tags[run_id][key] = text
    return [
        RunRecord(
            row,
            params.get(row[0]) or {},
            tags.get(row[0]) or {},
            metrics.get(row[0]) or {},
            tuple(inputs.get(row[0], ())),
        )
        for row in rows
    ]
