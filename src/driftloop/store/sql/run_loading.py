"""Build :class:`Run` entities from rows: one query per table for a whole page of runs.

A page's params, tags, latest metrics and dataset inputs are read with ``run_id IN (...)``
(in chunks that stay under SQLite's bound-parameter limit), never one query per run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, select

from driftloop.entities import (
    Dataset,
    DatasetInput,
    LifecycleStage,
    Metric,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunStatus,
)
from driftloop.store.sql import models
from driftloop.store.sql.database import SqlDatabase

_T = TypeVar("_T")

IN_CHUNK_SIZE = 5000
"""Run ids per ``IN (...)`` list (SQLite >= 3.32 allows 32766 bound parameters)."""

NAN = float("nan")

RUN_COLUMNS = (
    models.runs.c.run_id,
    models.runs.c.experiment_id,
    models.runs.c.name,
    models.runs.c.user_id,
    models.runs.c.status,
    models.runs.c.start_time,
    models.runs.c.end_time,
    models.runs.c.artifact_uri,
    models.runs.c.lifecycle_stage,
)
"""The ``runs`` columns :func:`run_info_from_row` reads, in its order."""


def run_info_from_row(row: Row[*tuple[Any, ...]] | Sequence[Any]) -> RunInfo:
    """A :class:`RunInfo` from a row selected with :data:`RUN_COLUMNS` (in that order)."""
    run_id, experiment_id, name, user_id, status, start, end, artifact_uri, stage = row[:9]
    return RunInfo(
        run_id=run_id,
        experiment_id=str(experiment_id),
        run_name=name,
        user_id=user_id,
        status=RunStatus(status),
        start_time=start,
        end_time=end,
        artifact_uri=artifact_uri,
        lifecycle_stage=LifecycleStage(stage),
    )


def load_runs(db: SqlDatabase, conn: Connection, infos: Sequence[RunInfo]) -> list[Run]:
    """Attach params, tags, latest metrics and inputs to each run, one query per table."""
    run_ids = [info.run_id for info in infos]
    params: dict[str, dict[str, str]] = defaultdict(dict)
    tags: dict[str, dict[str, str]] = defaultdict(dict)
    latest: dict[str, dict[str, Metric]] = defaultdict(dict)
    for chunk in chunked(run_ids):
        for run_id, key, value in db.fetch_all(
            conn,
            select(models.params.c.run_id, models.params.c.key, models.params.c.value).where(
                models.params.c.run_id.in_(chunk)
            ),
        ):
            params[run_id][key] = value
        for run_id, key, value in db.fetch_all(
            conn,
            select(models.tags.c.run_id, models.tags.c.key, models.tags.c.value).where(
                models.tags.c.run_id.in_(chunk)
            ),
        ):
            tags[run_id][key] = value
        lm = models.latest_metrics.c
        for run_id, key, value, timestamp, step in db.fetch_all(
            conn,
            select(lm.run_id, lm.key, lm.value, lm.timestamp, lm.step).where(lm.run_id.in_(chunk)),
        ):
            latest[run_id][key] = Metric(key, NAN if value is None else value, timestamp, step)
    inputs = _load_inputs(db, conn, run_ids)
    return [
        Run(
            info=info,
            data=RunData(
                latest_metrics=_sorted(latest.get(info.run_id)),
                params=_sorted(params.get(info.run_id)),
                tags=_sorted(tags.get(info.run_id)),
            ),
            inputs=RunInputs(dataset_inputs=tuple(inputs.get(info.run_id, ()))),
        )
        for info in infos
    ]


def _sorted(items: dict[str, Any] | None) -> dict[str, Any]:
    return dict(sorted(items.items())) if items else {}


def _load_inputs(
    db: SqlDatabase, conn: Connection, run_ids: Sequence[str]
) -> dict[str, list[DatasetInput]]:
    inputs, datasets, input_tags = models.inputs.c, models.datasets.c, models.input_tags.c
    found: dict[str, list[tuple[int, Dataset]]] = defaultdict(list)
    for chunk in chunked(run_ids):
        stmt = (
            select(
                inputs.run_id,
                inputs.input_id,
                datasets.name,
                datasets.digest,
                datasets.source_type,
                datasets.source,
                datasets.dataset_schema,
                datasets.dataset_profile,
            )
            .join(models.datasets, datasets.dataset_id == inputs.dataset_id)
            .where(inputs.run_id.in_(chunk))
            .order_by(inputs.input_id)
        )
        for run_id, input_id, *fields in db.fetch_all(conn, stmt):
            found[run_id].append((input_id, Dataset(*fields)))
    if not found:
        return {}
    input_ids = [input_id for pairs in found.values() for input_id, _ in pairs]
    tags_by_input: dict[int, dict[str, str]] = defaultdict(dict)
    for id_chunk in chunked(input_ids):
        for input_id, key, value in db.fetch_all(
            conn,
            select(input_tags.input_id, input_tags.key, input_tags.value).where(
                input_tags.input_id.in_(id_chunk)
            ),
        ):
            tags_by_input[input_id][key] = value
    return {
        run_id: [
            DatasetInput(dataset, _sorted(tags_by_input.get(input_id)))
            for input_id, dataset in pairs
        ]
        for run_id, pairs in found.items()
    }


def chunked(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    """Split ``items`` into slices of at most :data:`IN_CHUNK_SIZE` for ``IN (...)`` lists."""
    for start in range(0, len(items), IN_CHUNK_SIZE):
        yield items[start : start + IN_CHUNK_SIZE]
