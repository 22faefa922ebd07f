"""Bulk writes of what is logged to a run: params, tags, metric points and dataset inputs.

Each function takes the open write transaction and issues one bulk statement per table (see
:mod:`driftloop.store.sql.bulk`), rows sorted by key so that concurrent writers lock in the
same order. ``latest_metrics`` is
upserted in the same transaction with MLflow's rule: a point replaces the stored one when its
``(step, timestamp, value)`` is greater (higher step wins, then timestamp, then value; NaN never
wins a tie).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, or_, select, update

from driftloop.entities import RUN_NAME_TAG, DatasetInput, Metric, Param, RunTag
from driftloop.errors import ParamOverwriteError
from driftloop.store.sql import models
from driftloop.store.sql.bulk import BulkInsert, CopyRows
from driftloop.store.sql.database import SqlDatabase


def write_params(db: SqlDatabase, conn: Connection, run_id: str, params: Sequence[Param]) -> None:
    """Insert new params; an already logged key must keep its value (write-once).

    Raises:
        ParamOverwriteError: A key is logged with another value than before or than another
            item of the same batch; the message names the key and both values.
    """
    wanted: dict[str, str] = {}
    for param in params:
        previous = wanted.setdefault(param.key, param.value)
        if previous != param.value:
            raise ParamOverwriteError(
                f"param {param.key!r} is given twice in one batch with different values "
                f"({previous!r} and {param.value!r})",
                field="params",
            )
    keys = sorted(wanted)
    table = models.params
    _INSERT_PARAMS.execute(db, conn, [(run_id, key, wanted[key]) for key in keys])
    # Read back after inserting, so a concurrent writer's value is seen under PostgreSQL's
    # READ COMMITTED too: the conflicting INSERT above waited for it to commit.
    stored = conn.execute(
        select(table.c.key, table.c.value).where(table.c.run_id == run_id, table.c.key.in_(keys))
    )
    for key, value in stored:
        if value != wanted[key]:
            raise ParamOverwriteError(
                f"param {key!r} of run {run_id!r} was already logged with value {value!r}; "
                f"changing it to {wanted[key]!r} is not allowed (params are write-once)",
                field="params",
            )


def write_tags(db: SqlDatabase, conn: Connection, run_id: str, tags: Sequence[RunTag]) -> None:
    """Insert or overwrite tags (the last of duplicate keys wins); ``mlflow.runName`` renames."""
    final = {tag.key: tag.value for tag in tags}
    upsert_tags(db, conn, run_id, final)
    if RUN_NAME_TAG in final:
        conn.execute(
            update(models.runs)
            .where(models.runs.c.run_id == run_id)
            .values(name=final[RUN_NAME_TAG])
        )


def upsert_tags(db: SqlDatabase, conn: Connection, run_id: str, tags: dict[str, str]) -> None:
    """Insert or overwrite run tags, keys sorted."""
    _UPSERT_TAGS.execute(db, conn, [(run_id, key, tags[key]) for key in sorted(tags)])


def write_metrics(
    db: SqlDatabase,
    conn: Connection,
    run_id: str,
    metrics: Sequence[Metric],
    *,
    use_copy: bool = True,
) -> None:
    """Insert the points (an identical point is stored once) and advance ``latest_metrics``.

    On PostgreSQL with ``use_copy`` the points go through ``COPY``, which cannot skip a point
    already stored: then :class:`DuplicateRowsError` aborts the transaction, and the caller
    retries it with ``use_copy=False`` (INSERT ... ON CONFLICT DO NOTHING).

    Raises:
        DuplicateRowsError: ``use_copy`` on PostgreSQL and a point is already stored.
    """
    rows = []
    latest: dict[str, tuple[int, int, float]] = {}
    for metric in metrics:
        key, step, timestamp, value = metric.key, metric.step, metric.timestamp, float(metric.value)
        nan = math.isnan(value)
        rows.append((run_id, key, step, timestamp, nan, 0.0 if nan else value))
        point = (step, timestamp, value)
        current = latest.get(key)
        # Tuple comparison; a NaN value compares False both ways, so it never wins a tie.
        if current is None or point > current:
            latest[key] = point
    rows.sort()  # by key, step, timestamp: lock order, B-tree locality; duplicates adjacent
    if use_copy and db.dialect == "postgresql" and _unique_points(rows):
        _COPY_METRICS.execute(db, conn, rows)
    else:
        _INSERT_METRICS.execute(db, conn, rows)
    _UPSERT_LATEST.execute(
        db,
        conn,
        [
            (run_id, key, None if math.isnan(value) else value, timestamp, step)
            for key, (step, timestamp, value) in sorted(latest.items())
        ],
    )


def _unique_points(rows: Sequence[tuple[str, str, int, int, bool, float]]) -> bool:
    """True when no two (sorted) rows are the same point, so COPY would not conflict itself."""
    return all(rows[i] != rows[i - 1] for i in range(1, len(rows)))


def _newer_point(insert: Any) -> ColumnElement[bool]:
    """MLflow's rule for replacing the latest point: greater ``(step, timestamp, value)``."""
    table, new = models.latest_metrics.c, insert.excluded
    return or_(
        new.step > table.step,
        and_(new.step == table.step, new.timestamp > table.timestamp),
        and_(
            new.step == table.step,
            new.timestamp == table.timestamp,
            new.value > table.value,  # NULL (NaN) on either side: no update
        ),
    )


_INSERT_PARAMS = BulkInsert(
    models.params,
    ("run_id", "key", "value"),
    lambda insert: insert.on_conflict_do_nothing(index_elements=["run_id", "key"]),
)
_UPSERT_TAGS = BulkInsert(
    models.tags,
    ("run_id", "key", "value"),
    lambda insert: insert.on_conflict_do_update(
        index_elements=["run_id", "key"], set_={"value": insert.excluded.value}
    ),
)
_INSERT_METRICS = BulkInsert(
    models.metrics,
    ("run_id", "key", "step", "timestamp", "is_nan", "value"),
    lambda insert: insert.on_conflict_do_nothing(),
)
_COPY_METRICS = CopyRows(
    models.metrics,
    ("run_id", "key", "step", "timestamp", "is_nan", "value"),
    ("varchar", "varchar", "int8", "int8", "bool", "float8"),
)
_UPSERT_LATEST = BulkInsert(
    models.latest_metrics,
    ("run_id", "key", "value", "timestamp", "step"),
    lambda insert: insert.on_conflict_do_update(
        index_elements=["run_id", "key"],
        set_={
            "value": insert.excluded.value,
            "timestamp": insert.excluded.timestamp,
            "step": insert.excluded.step,
        },
        where=_newer_point(insert),
    ),
)


def write_inputs(
    db: SqlDatabase,
    conn: Connection,
    run_id: str,
    experiment_id: int,
    dataset_inputs: Sequence[DatasetInput],
) -> None:
    """Store each dataset once per experiment and link it to the run once (first tags win)."""
    unique: dict[tuple[str, str], DatasetInput] = {}
    for dataset_input in dataset_inputs:
        unique.setdefault((dataset_input.dataset.name, dataset_input.dataset.digest), dataset_input)
    datasets, inputs = models.datasets, models.inputs
    for (name, digest), dataset_input in sorted(unique.items()):
        dataset = dataset_input.dataset
        conn.execute(
            db.insert(datasets).on_conflict_do_nothing(
                index_elements=["experiment_id", "name", "digest"]
            ),
            {
                "experiment_id": experiment_id,
                "name": name,
                "digest": digest,
                "source_type": dataset.source_type,
                "source": dataset.source,
                "dataset_schema": dataset.schema,
                "dataset_profile": dataset.profile,
            },
        )
        dataset_id = conn.execute(
            select(datasets.c.dataset_id).where(
                datasets.c.experiment_id == experiment_id,
                datasets.c.name == name,
                datasets.c.digest == digest,
            )
        ).scalar_one()
        input_id = conn.execute(
            db.insert(inputs)
            .on_conflict_do_nothing(index_elements=["run_id", "dataset_id"])
            .returning(inputs.c.input_id),
            {"run_id": run_id, "dataset_id": dataset_id},
        ).scalar_one_or_none()
        if input_id is not None and dataset_input.tags:
            conn.execute(
                models.input_tags.insert(),
                [
                    {"input_id": input_id, "key": key, "value": value}
                    for key, value in sorted(dataset_input.tags.items())
                ],
            )
