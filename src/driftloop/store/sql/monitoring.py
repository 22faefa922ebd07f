"""SQL implementation of :class:`MonitorStore`: monitoring runs and their time series.

A run and its points are written in one transaction, the points in one bulk statement (COPY
on PostgreSQL: a new run id cannot conflict). Each point repeats its run's deployment, window
end and model version, so :meth:`SqlMonitorStore.get_series` is one range scan of the
covering index ``(deployment, column, metric, window_end, run_id, model_version, value)``
and never reads the runs table (see :mod:`driftloop.store.sql.models`). NaN is stored as
NULL.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, select

from driftloop.entities import MonitorPoint, MonitorRun, MonitorVerdict, Page, SeriesPoint
from driftloop.errors import NotFoundError
from driftloop.store.base import (
    MONITOR_RUNS_MAX_RESULTS_DEFAULT,
    MONITOR_RUNS_MAX_RESULTS_LIMIT,
    MonitorStore,
)
from driftloop.store.monitor_validation import (
    MAX_COLUMN_LENGTH,
    MAX_DEPLOYMENT_LENGTH,
    MAX_METRIC_LENGTH,
    MonitorRunRequest,
    checked_model_version,
    checked_optional_time,
    checked_text,
    checked_time,
)
from driftloop.store.search import decode_page_token, encode_page_token
from driftloop.store.sql import models
from driftloop.store.sql.bulk import BulkInsert, CopyRows
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.ids import new_run_id, now_ms
from driftloop.store.validation import validate_max_results

NAN = float("nan")
_R = models.monitor_runs.c
_P = models.monitor_points.c
_RUN_COLUMNS = (
    _R.run_id,
    _R.deployment,
    _R.model_version,
    _R.window_start,
    _R.window_end,
    _R.rows,
    _R.verdict,
    _R.created,
    _R.details,
)
_POINT_COLUMNS = (
    "run_id",
    "column",
    "metric",
    "deployment",
    "window_end",
    "model_version",
    "value",
)
_INSERT_POINTS = BulkInsert(models.monitor_points, _POINT_COLUMNS, lambda insert: insert)
_COPY_POINTS = CopyRows(
    models.monitor_points,
    _POINT_COLUMNS,
    ("varchar", "varchar", "varchar", "varchar", "int8", "int4", "float8"),
)


class SqlMonitorStore(MonitorStore):
    """Monitoring runs in a SQLite or PostgreSQL database.

    Args:
        database: The opened database (its schema at the current revision).
    """

    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    def record_monitor_run(
        self,
        deployment: str,
        *,
        model_version: int | None,
        window_start: int,
        window_end: int,
        rows: int,
        verdict: MonitorVerdict | str,
        points: Sequence[MonitorPoint],
        details: Mapping[str, str] | None = None,
    ) -> MonitorRun:
        """Store the run and its points in one transaction (see the ABC).

        Raises:
            InvalidParameterError: A field is invalid (field named); nothing is written.
        """
        request = MonitorRunRequest.checked(
            deployment,
            model_version=model_version,
            window_start=window_start,
            window_end=window_end,
            rows=rows,
            verdict=verdict,
            points=points,
            details=details,
        )
        run = MonitorRun(
            run_id=new_run_id(),
            deployment=request.deployment,
            model_version=request.model_version,
            window_start=request.window_start,
            window_end=request.window_end,
            rows=request.rows,
            verdict=request.verdict,
            created=now_ms(),
            points=tuple(sorted(request.points, key=_point_order)),
            details=request.details,
        )
        point_rows = [
            (
                run.run_id,
                point.column,
                point.metric,
                run.deployment,
                run.window_end,
                run.model_version,
                None if math.isnan(point.value) else point.value,
            )
            for point in run.points
        ]
        with self._db.write() as conn:
            conn.execute(
                models.monitor_runs.insert().values(
                    run_id=run.run_id,
                    deployment=run.deployment,
                    model_version=run.model_version,
                    window_start=run.window_start,
                    window_end=run.window_end,
                    rows=run.rows,
                    verdict=run.verdict.value,
                    created=run.created,
                    details=json.dumps(run.details, sort_keys=True),
                )
            )
            if self._db.dialect == "postgresql" and point_rows:
                _COPY_POINTS.execute(self._db, conn, point_rows)
            else:
                _INSERT_POINTS.execute(self._db, conn, point_rows)
        return run

    def get_monitor_run(self, run_id: str) -> MonitorRun:
        """The run with its points sorted by (column, metric).

        Raises:
            NotFoundError: No run has this id.
        """
        if not isinstance(run_id, str) or not run_id:
            raise _not_found(run_id)
        with self._db.read() as conn:
            row = conn.execute(select(*_RUN_COLUMNS).where(_R.run_id == run_id)).one_or_none()
            if row is None:
                raise _not_found(run_id)
            stored = self._db.fetch_all(
                conn,
                select(_P.column, _P.metric, _P.value).where(_P.run_id == run_id),
            )
        points = [MonitorPoint(c, m, NAN if v is None else float(v)) for c, m, v in stored]
        return _run(row, tuple(sorted(points, key=_point_order)))

    def list_monitor_runs(
        self,
        deployment: str,
        *,
        since: int | None = None,
        until: int | None = None,
        max_results: int = MONITOR_RUNS_MAX_RESULTS_DEFAULT,
        page_token: str | None = None,
    ) -> Page[MonitorRun]:
        """Runs whose window ends in [since, until), newest first, without points.

        Ties on the window end are ordered by run id, descending.

        Raises:
            InvalidParameterError: An argument is invalid (field named).
            InvalidPageTokenError: The page token was not issued by this store.
        """
        deployment = checked_text(deployment, "deployment", MAX_DEPLOYMENT_LENGTH)
        bounds = _window_bounds(_R.window_end, since, until)
        validate_max_results(max_results, MONITOR_RUNS_MAX_RESULTS_LIMIT)
        offset = decode_page_token(page_token)
        stmt = (
            select(*_RUN_COLUMNS)
            .where(_R.deployment == deployment, *bounds)
            .order_by(_R.window_end.desc(), _R.run_id.desc())
            .offset(offset)
            .limit(max_results + 1)
        )
        with self._db.read() as conn:
            rows = conn.execute(stmt).all()
        runs = tuple(_run(row, ()) for row in rows[:max_results])
        more = len(rows) > max_results
        return Page(runs, encode_page_token(offset + max_results) if more else None)

    def get_series(
        self,
        deployment: str,
        column: str,
        metric: str,
        *,
        since: int | None = None,
        until: int | None = None,
        model_version: int | None = None,
    ) -> list[SeriesPoint]:
        """One metric of one column across runs (window end in [since, until)), oldest first.

        Raises:
            InvalidParameterError: An argument is invalid (field named).
        """
        deployment = checked_text(deployment, "deployment", MAX_DEPLOYMENT_LENGTH)
        column = checked_text(column, "column", MAX_COLUMN_LENGTH)
        metric = checked_text(metric, "metric", MAX_METRIC_LENGTH)
        version = checked_model_version(model_version)
        stmt = _series_query(deployment, column, metric, since, until, version)
        with self._db.read_statements() as conn:
            rows = self._db.fetch_all(conn, stmt)
        return [
            SeriesPoint(run_id, end, mv, NAN if value is None else float(value))
            for run_id, end, mv, value in rows
        ]

    def delete_monitor_runs(self, deployment: str, *, before: int) -> int:
        """Delete the runs whose window ended before ``before``, their points with them.

        Raises:
            InvalidParameterError: An argument is invalid (field named).
        """
        deployment = checked_text(deployment, "deployment", MAX_DEPLOYMENT_LENGTH)
        cutoff = checked_time(before, "before")
        stmt = delete(models.monitor_runs).where(
            _R.deployment == deployment, _R.window_end < cutoff
        )
        with self._db.write() as conn:
            return conn.execute(stmt).rowcount


def _series_query(
    deployment: str,
    column: str,
    metric: str,
    since: int | None,
    until: int | None,
    version: int | None,
) -> Select[Any]:
    stmt = (
        select(_P.run_id, _P.window_end, _P.model_version, _P.value)
        .where(
            _P.deployment == deployment,
            _P.column == column,
            _P.metric == metric,
            *_window_bounds(_P.window_end, since, until),
        )
        .order_by(_P.window_end, _P.run_id)
    )
    if version is not None:
        stmt = stmt.where(_P.model_version == version)
    return stmt


def _window_bounds(
    window_end: ColumnElement[int], since: object, until: object
) -> list[ColumnElement[bool]]:
    """``since <= window_end < until`` for the bounds given (validated)."""
    low = checked_optional_time(since, "since")
    high = checked_optional_time(until, "until")
    bounds: list[ColumnElement[bool]] = []
    if low is not None:
        bounds.append(window_end >= low)
    if high is not None:
        bounds.append(window_end < high)
    return bounds


def _point_order(point: MonitorPoint) -> tuple[str, str]:
    return point.column, point.metric


def _not_found(run_id: object) -> NotFoundError:
    return NotFoundError(f"no monitoring run has id {run_id!r}", field="run_id")


def _run(row: Any, points: tuple[MonitorPoint, ...]) -> MonitorRun:
    return MonitorRun(
        run_id=row.run_id,
        deployment=row.deployment,
        model_version=row.model_version,
        window_start=row.window_start,
        window_end=row.window_end,
        rows=row.rows,
        verdict=MonitorVerdict(row.verdict),
        created=row.created,
        points=points,
        details=json.loads(row.details),
    )
