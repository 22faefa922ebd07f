"""SQL implementation of :class:`RunStore`: runs and what is logged to them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update

from driftloop.entities import (
    PARENT_RUN_ID_TAG,
    RUN_NAME_TAG,
    DatasetInput,
    LifecycleStage,
    Metric,
    Page,
    Param,
    Run,
    RunData,
    RunInfo,
    RunStatus,
    RunTag,
    ViewType,
)
from driftloop.errors import (
    ExperimentNotFoundError,
    InvalidParameterError,
    NotFoundError,
    RunNotActiveError,
    RunNotFoundError,
)
from driftloop.store.base import SEARCH_MAX_RESULTS_DEFAULT, RunStore
from driftloop.store.sql import models, run_data
from driftloop.store.sql.bulk import DuplicateRowsError
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.ids import new_run_id, now_ms, parse_experiment_id
from driftloop.store.sql.metric_history import read_metric_history
from driftloop.store.sql.run_loading import (
    load_runs,
    require_active_run,
    require_run,
    run_info_from_row,
    run_row,
)
from driftloop.store.sql.run_names import generate_run_name
from driftloop.store.sql.run_records import RunRecord
from driftloop.store.sql.run_search import RunQuery, search_run_records, search_runs
from driftloop.store.validation import (
    MAX_TAG_VALUE_LENGTH,
    validate_batch,
    validate_dataset_input,
    validate_key,
    validate_string_value,
    validate_tags,
)

USER_TAG = "mlflow.user"


class SqlRunStore(RunStore):
    """Runs in a SQLite or PostgreSQL database (see :mod:`driftloop.store.sql.models`).

    Args:
        database: The opened database (its schema at the current revision).
    """

    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    def create_run(
        self,
        experiment_id: str,
        user_id: str = "",
        start_time: int | None = None,
        tags: Mapping[str, str] | None = None,
        run_name: str | None = None,
        parent_run_id: str | None = None,
    ) -> Run:
        """Create a RUNNING run (see :meth:`RunStore.create_run`)."""
        all_tags = _initial_tags(tags, run_name, user_id, parent_run_id)
        name = all_tags[RUN_NAME_TAG]
        run_id = new_run_id()
        start = now_ms() if start_time is None else start_time
        with self._db.write() as conn:
            experiment = _active_experiment(conn, experiment_id)
            if parent_run_id is not None and run_row(conn, parent_run_id) is None:
                raise RunNotFoundError(f"parent run with id={parent_run_id!r} not found")
            artifact_uri = f"{experiment.artifact_location.rstrip('/')}/{run_id}/artifacts"
            conn.execute(
                models.runs.insert().values(
                    run_id=run_id,
                    experiment_id=experiment.experiment_id,
                    name=name,
                    user_id=user_id,
                    status=RunStatus.RUNNING.value,
                    start_time=start,
                    end_time=None,
                    artifact_uri=artifact_uri,
                    lifecycle_stage=LifecycleStage.ACTIVE.value,
                    deleted_time=None,
                    deleted_with_experiment=False,
                )
            )
            run_data.upsert_tags(self._db, conn, run_id, all_tags)
        info = RunInfo(
            run_id=run_id,
            experiment_id=str(experiment.experiment_id),
            run_name=name,
            user_id=user_id,
            status=RunStatus.RUNNING,
            start_time=start,
            end_time=None,
            artifact_uri=artifact_uri,
            lifecycle_stage=LifecycleStage.ACTIVE,
        )
        return Run(info=info, data=RunData(tags=dict(sorted(all_tags.items()))))

    def get_run(self, run_id: str) -> Run:
        """Return the run with its latest metrics, params, tags and inputs."""
        with self._db.read() as conn:
            row = require_run(conn, run_id)
            return load_runs(self._db, conn, [run_info_from_row(row)])[0]

    def update_run_info(
        self,
        run_id: str,
        status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
    ) -> RunInfo:
        """Update status, end time and/or name (renaming updates the ``mlflow.runName`` tag).

        Raises:
            RunNotFoundError: No such run.
            RunNotActiveError: The run is deleted.
        """
        values: dict[str, Any] = {}
        if status is not None:
            values["status"] = _run_status(status).value
        if end_time is not None:
            values["end_time"] = end_time
        if run_name is not None:
            values["name"] = validate_string_value(
                "run", run_id, run_name, MAX_TAG_VALUE_LENGTH, "run_name"
            )
        with self._db.write() as conn:
            require_active_run(conn, run_id)
            if values:
                conn.execute(
                    update(models.runs).where(models.runs.c.run_id == run_id).values(**values)
                )
            if run_name is not None:
                run_data.upsert_tags(self._db, conn, run_id, {RUN_NAME_TAG: run_name})
            return run_info_from_row(require_run(conn, run_id))

    def delete_run(self, run_id: str) -> None:
        """Soft-delete the run (a no-op for a deleted run)."""
        with self._db.write() as conn:
            row = require_run(conn, run_id)
            if row.lifecycle_stage == LifecycleStage.DELETED:
                return
            conn.execute(
                update(models.runs)
                .where(models.runs.c.run_id == run_id)
                .values(lifecycle_stage=LifecycleStage.DELETED.value, deleted_time=now_ms())
            )

    def restore_run(self, run_id: str) -> None:
        """Undo a soft delete (a no-op for an active run)."""
        with self._db.write() as conn:
            require_run(conn, run_id)
            conn.execute(
                update(models.runs)
                .where(models.runs.c.run_id == run_id)
                .values(
                    lifecycle_stage=LifecycleStage.ACTIVE.value,
                    deleted_time=None,
                    deleted_with_experiment=False,
                )
            )

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """Log metrics, params and tags in one transaction (see :meth:`RunStore.log_batch`).

        A param value over 6000 characters raises :class:`InvalidParameterError` (MLflow's
        server truncates it; driftloop's REST layer does that before calling the store).
        """
        validate_batch(metrics, params, tags)
        try:
            self._write_batch(run_id, metrics, params, tags, use_copy=True)
        except DuplicateRowsError:
            # Some point was already stored (a retried batch): redo it with ON CONFLICT.
            self._write_batch(run_id, metrics, params, tags, use_copy=False)

    def _write_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric],
        params: Sequence[Param],
        tags: Sequence[RunTag],
        *,
        use_copy: bool,
    ) -> None:
        with self._db.write() as conn:
            require_active_run(conn, run_id)
            if params:
                run_data.write_params(self._db, conn, run_id, params)
            if tags:
                run_data.write_tags(self._db, conn, run_id, tags)
            if metrics:
                run_data.write_metrics(self._db, conn, run_id, metrics, use_copy=use_copy)

    def delete_tag(self, run_id: str, key: str) -> None:
        """Remove a tag; raises ``NotFoundError`` if it is not set."""
        validate_key("tag", key, "key")
        with self._db.write() as conn:
            require_active_run(conn, run_id)
            table = models.tags
            deleted = conn.execute(
                delete(table).where(table.c.run_id == run_id, table.c.key == key)
            )
            if deleted.rowcount == 0:
                raise NotFoundError(f"no tag with key {key!r} on run {run_id!r}", field="key")

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput]) -> None:
        """Record datasets the run used; the same (name, digest) is stored once."""
        for dataset_input in datasets:
            validate_dataset_input(dataset_input)
        with self._db.write() as conn:
            row = require_active_run(conn, run_id)
            if datasets:
                run_data.write_inputs(self._db, conn, run_id, row.experiment_id, datasets)

    def get_metric_history(
        self,
        run_id: str,
        key: str,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> Page[Metric]:
        """Return the points ordered by (step, timestamp); all of them by default.

        ``max_results`` must be positive when given; an unknown key gives an empty page.

        Raises:
            RunNotFoundError: No such run.
            InvalidParameterError: ``max_results`` is not a positive integer.
            InvalidPageTokenError: The page token is invalid.
        """
        return read_metric_history(self._db, run_id, key, max_results, page_token)

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[Run]:
        """Search runs with MLflow's filter grammar (see :meth:`RunStore.search_runs`)."""
        query = RunQuery(
            experiment_ids, filter_string, view_type, max_results, order_by, page_token
        )
        return search_runs(self._db, query)

    def search_run_records(self, query: RunQuery) -> Page[RunRecord]:
        """The page :meth:`search_runs` would give for ``query``, as :class:`RunRecord`.

        For readers that serialise the page at once (the MLflow route): at 1,000 runs the
        entities cost more than the query. Raises what :meth:`search_runs` raises.
        """
        return search_run_records(self._db, query)


def _initial_tags(
    tags: Mapping[str, str] | None,
    run_name: str | None,
    user_id: str,
    parent_run_id: str | None,
) -> dict[str, str]:
    """The tags a new run starts with, including the name, user and parent system tags."""
    all_tags = dict(tags or {})
    validate_tags(all_tags, "tags")
    name_tag = all_tags.get(RUN_NAME_TAG)
    if run_name is None:
        run_name = name_tag or generate_run_name()
    elif name_tag is not None and name_tag != run_name:
        raise InvalidParameterError(
            f"run_name {run_name!r} and the {RUN_NAME_TAG!r} tag {name_tag!r} differ",
            field="run_name",
        )
    validate_string_value("run", "run_name", run_name, MAX_TAG_VALUE_LENGTH, "run_name")
    all_tags[RUN_NAME_TAG] = run_name
    if user_id:
        all_tags.setdefault(USER_TAG, user_id)
    if parent_run_id is not None:
        all_tags[PARENT_RUN_ID_TAG] = parent_run_id
    return all_tags


def _run_status(status: RunStatus | str) -> RunStatus:
    try:
        return RunStatus(status)
    except ValueError as e:
        raise InvalidParameterError(
            f"invalid run status {status!r}; expected one of {[s.value for s in RunStatus]}",
            field="status",
        ) from e


def _active_experiment(conn: Connection, experiment_id: str) -> Row[*tuple[Any, ...]]:
    key = parse_experiment_id(experiment_id)
    e = models.experiments.c
    row = None
    if key is not None:
        row = conn.execute(
            select(e.experiment_id, e.artifact_location, e.lifecycle_stage).where(
                e.experiment_id == key
            )
        ).one_or_none()
    if row is None:
        raise ExperimentNotFoundError(f"no experiment with id={experiment_id!r}")
    if row.lifecycle_stage != LifecycleStage.ACTIVE:
        raise RunNotActiveError(
            f"experiment {experiment_id!r} is deleted; restore it before creating runs in it",
            field="experiment_id",
        )
    return row
