"""A page of runs as plain records, for readers that turn it straight into JSON.

A :class:`~driftloop.entities.Run` costs more to build than its row costs to read: at a
1,000-run page (the mlflow client's default) building the entities took longer than the
PostgreSQL statement, and the MLflow route then took them apart again into dictionaries.
A :class:`RunRecord` is what the search read, with nothing built: the ``runs`` row as
selected (:data:`~driftloop.store.sql.run_loading.RUN_COLUMNS`, status and stage as stored),
params and tags as dictionaries, and each latest metric as ``(value, timestamp, step)``.
Keys are in no particular order. Searches build their entities from records
(:func:`run_from_record`); the MLflow route serialises records directly
(:func:`driftloop.server.mlflow_api.convert.run_record_json`), and a test holds the two to the
same bytes, page for page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection

from driftloop.entities import DatasetInput, Metric, Run, RunData, RunInputs
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.run_loading import (
    DATA,
    HAS_INPUTS,
    NAN,
    MetricPoint,
    PageData,
    group_keyed_rows,
    load_inputs,
    run_info_from_row,
)


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
    params, tags, points = group_keyed_rows(keyed)
    return [
        RunRecord(
            row,
            params.get(row[0]) or {},
            tags.get(row[0]) or {},
            points.get(row[0]) or {},
            tuple(inputs.get(row[0], ())),
        )
        for row in rows
    ]


def run_from_record(record: RunRecord) -> Run:
    """The :class:`Run` of a record (keys sorted, as :meth:`RunStore.get_run` gives them)."""
    metrics, params, tags = record.metrics, record.params, record.tags
    return Run(
        info=run_info_from_row(record.row),
        data=RunData(
            latest_metrics={key: Metric(key, *metrics[key]) for key in sorted(metrics)},
            params=dict(sorted(params.items())) if params else {},
            tags=dict(sorted(tags.items())) if tags else {},
        ),
        inputs=RunInputs(record.inputs) if record.inputs else _NO_INPUTS,
    )


_NO_INPUTS = RunInputs()
