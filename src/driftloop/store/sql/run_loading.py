"""Build :class:`Run` entities from rows: never one query per run.

On SQLite a page's params, tags and latest metrics are read with one query per table, each
with ``run_id IN (<the page's ids>)`` bound as one parameter. On PostgreSQL a search asks for
them in the same statement as the page itself (:func:`with_page_data`): each run row carries
its params, tags and metrics as one JSON text, which orjson parses, and a flag saying whether
it has dataset inputs; a page of 100 runs is one round trip (:mod:`.run_records` decodes
search pages, here or from SQLite's per-table rows). Dataset inputs (rare) are read with one
more query (two with input tags), only for the runs that have some.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Double,
    Row,
    Select,
    Text,
    cast,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
)

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
from driftloop.errors import RunNotActiveError, RunNotFoundError
from driftloop.store.sql import models
from driftloop.store.sql.database import SqlDatabase

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
        status=_STATUSES.get(status) or RunStatus(status),
        start_time=start,
        end_time=end,
        artifact_uri=artifact_uri,
        lifecycle_stage=_STAGES.get(stage) or LifecycleStage(stage),
    )


# Dictionary lookups: an Enum call per run costs more than the rest of the RunInfo.
_STATUSES = {status.value: status for status in RunStatus}
_STAGES = {stage.value: stage for stage in LifecycleStage}


PageData = tuple[list[tuple[Any, ...]], dict[str, list[DatasetInput]]]
"""What :func:`fetch_page_data` read: the keyed rows and the dataset inputs by run id."""


def fetch_page_data(db: SqlDatabase, conn: Connection, run_ids: Sequence[str]) -> PageData:
    """The params, tags, latest metrics and inputs of ``run_ids``, one query per table."""
    return keyed_rows(db, conn, run_ids), load_inputs(db, conn, run_ids)


def load_runs(db: SqlDatabase, conn: Connection, infos: Sequence[RunInfo]) -> list[Run]:
    """Attach params, tags, latest metrics and inputs to each run, one query per table."""
    return _assemble(infos, fetch_page_data(db, conn, [info.run_id for info in infos]))


def with_page_data(stmt: Select[Any]) -> Select[Any]:
    """Wrap a paged select of :data:`RUN_COLUMNS`: each row also carries its run's data.

    PostgreSQL only. The page is a subquery (its ``LIMIT``/``OFFSET`` apply first, so only
    the page's runs are aggregated) read in its order; two columns follow the run's: one
    JSON text ``[params, tags, metrics]`` (objects by key; a metric is ``[value as text,
    timestamp, step]``, the value exact and null for NaN) that orjson parses faster than
    psycopg builds arrays, and whether the run has inputs. The keys are sorted in Python: an
    ``ORDER BY`` in each aggregate costs PostgreSQL more than the lookups themselves.
    Decode the rows with :func:`~driftloop.store.sql.run_records.records_with_data`.
    """
    page = stmt.subquery("page")
    run_id = page.c.run_id
    p, t, lm, inputs = models.params, models.tags, models.latest_metrics, models.inputs
    metric = func.json_build_array(cast(lm.c.value, Text), lm.c.timestamp, lm.c.step)
    data = func.json_build_array(
        _object(p.c.key, p.c.value, p.c.run_id == run_id),
        _object(t.c.key, t.c.value, t.c.run_id == run_id),
        _object(lm.c.key, metric, lm.c.run_id == run_id),
    )
    return select(*page.c, cast(data, Text), exists().where(inputs.c.run_id == run_id))


def _object(key: Any, value: Any, where: Any) -> Any:
    return select(func.json_object_agg(key, value)).where(where).scalar_subquery()


DATA, HAS_INPUTS = len(RUN_COLUMNS), len(RUN_COLUMNS) + 1
"""Where a :func:`with_page_data` row has its data JSON and its has-inputs flag."""


def _assemble(infos: Sequence[RunInfo], data: PageData) -> list[Run]:
    keyed, inputs = data
    params, tags, points = group_keyed_rows(keyed)
    return [
        Run(
            info=info,
            data=RunData(
                latest_metrics={
                    key: Metric(key, value, stamp, step)
                    for key, (value, stamp, step) in sorted(points.get(info.run_id, {}).items())
                },
                params=_sorted(params.get(info.run_id)),
                tags=_sorted(tags.get(info.run_id)),
            ),
            inputs=RunInputs(dataset_inputs=tuple(inputs.get(info.run_id, ()))),
        )
        for info in infos
    ]


MetricPoint = tuple[float, int, int]
"""A latest metric without its key: ``(value, timestamp, step)``; NaN stays NaN."""

Grouped = tuple[
    dict[str, dict[str, str]], dict[str, dict[str, str]], dict[str, dict[str, MetricPoint]]
]
"""Params, tags and latest metric points, each by run id and then by key."""


def group_keyed_rows(keyed: Sequence[Sequence[Any]]) -> Grouped:
    """The rows of :func:`keyed_rows` grouped by run id and key (keys in no order)."""
    params: dict[str, dict[str, str]] = defaultdict(dict)
    tags: dict[str, dict[str, str]] = defaultdict(dict)
    points: dict[str, dict[str, MetricPoint]] = defaultdict(dict)
    for kind, run_id, key, text, number, timestamp, step in keyed:
        if kind == PARAM:
            params[run_id][key] = text
        elif kind == TAG:
            tags[run_id][key] = text
        else:
            points[run_id][key] = (NAN if number is None else number, timestamp, step)
    return params, tags, points


PARAM, TAG, METRIC = 0, 1, 2
"""The ``kind`` of a :func:`keyed_rows` row."""


def keyed_rows(db: SqlDatabase, conn: Connection, run_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """Params, tags and latest metrics of ``run_ids``.

    Rows are ``(kind, run_id, key, text value, numeric value, timestamp, step)``. On
    PostgreSQL one ``UNION ALL`` saves two round trips; in-process SQLite is faster with
    three plain queries.
    """
    p, t, lm = models.params.c, models.tags.c, models.latest_metrics.c
    no_text, no_number, no_int = cast(null(), Text), cast(null(), Double), cast(null(), BigInteger)
    selects = (
        select(
            literal_column(str(PARAM)), p.run_id, p.key, p.value, no_number, no_int, no_int
        ).where(db.in_values(p.run_id, run_ids)),
        select(literal_column(str(TAG)), t.run_id, t.key, t.value, no_number, no_int, no_int).where(
            db.in_values(t.run_id, run_ids)
        ),
        select(
            literal_column(str(METRIC)),
            lm.run_id,
            lm.key,
            no_text,
            lm.value,
            lm.timestamp,
            lm.step,
        ).where(db.in_values(lm.run_id, run_ids)),
    )
    if db.dialect == "postgresql":
        return db.fetch_all(conn, union_all(*selects))
    return [row for stmt in selects for row in db.fetch_all(conn, stmt)]


def _sorted(items: dict[str, Any] | None) -> dict[str, Any]:
    return dict(sorted(items.items())) if items else {}


def load_inputs(
    db: SqlDatabase, conn: Connection, run_ids: Sequence[str]
) -> dict[str, list[DatasetInput]]:
    """The dataset inputs of ``run_ids`` (with their tags), by run id, in logging order."""
    inputs, datasets, input_tags = models.inputs.c, models.datasets.c, models.input_tags.c
    found: dict[str, list[tuple[int, Dataset]]] = defaultdict(list)
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
        .where(db.in_values(inputs.run_id, run_ids))
        .order_by(inputs.input_id)
    )
    for run_id, input_id, *fields in db.fetch_all(conn, stmt):
        found[run_id].append((input_id, Dataset(*fields)))
    if not found:
        return {}
    input_ids = [input_id for pairs in found.values() for input_id, _ in pairs]
    tags_by_input: dict[int, dict[str, str]] = defaultdict(dict)
    stmt = select(input_tags.input_id, input_tags.key, input_tags.value).where(
        db.in_values(input_tags.input_id, input_ids)
    )
    for input_id, key, value in db.fetch_all(conn, stmt):
        tags_by_input[input_id][key] = value
    return {
        run_id: [
            DatasetInput(dataset, _sorted(tags_by_input.get(input_id)))
            for input_id, dataset in pairs
        ]
        for run_id, pairs in found.items()
    }


def run_row(conn: Connection, run_id: str) -> Row[*tuple[Any, ...]] | None:
    """The ``runs`` row (:data:`RUN_COLUMNS`) of ``run_id``, or None."""
    return conn.execute(select(*RUN_COLUMNS).where(models.runs.c.run_id == run_id)).one_or_none()


def require_run(conn: Connection, run_id: str) -> Row[*tuple[Any, ...]]:
    """The ``runs`` row of ``run_id``; raises ``RunNotFoundError`` when there is none."""
    row = run_row(conn, run_id)
    if row is None:
        raise RunNotFoundError(f"run with id={run_id!r} not found")
    return row


def require_active_run(conn: Connection, run_id: str) -> Row[*tuple[Any, ...]]:
    """The row of an active run; raises ``RunNotFoundError``/``RunNotActiveError``."""
    row = require_run(conn, run_id)
    if row.lifecycle_stage != LifecycleStage.ACTIVE:
        raise RunNotActiveError(
            f"run {run_id!r} is deleted; restore it before logging to it", field="run_id"
        )
    return row
