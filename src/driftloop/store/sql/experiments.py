"""SQL implementation of :class:`ExperimentStore`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update
from sqlalchemy.exc import IntegrityError

from driftloop.entities import Experiment, LifecycleStage, Page, ViewType
from driftloop.errors import (
    AlreadyExistsError,
    ExperimentNotFoundError,
    InvalidParameterError,
    NotFoundError,
)
from driftloop.store.base import SEARCH_MAX_RESULTS_DEFAULT, ExperimentStore
from driftloop.store.search import (
    decode_page_token,
    encode_page_token,
    parse_order_by,
    parse_search_filter,
)
from driftloop.store.sql import models
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.ids import now_ms, parse_experiment_id
from driftloop.store.sql.search_compiler import filter_experiments, order_experiments
from driftloop.store.validation import (
    MAX_EXPERIMENT_TAG_VALUE_LENGTH,
    validate_experiment_name,
    validate_key,
    validate_max_results,
    validate_string_value,
    validate_tags,
)

DEFAULT_EXPERIMENT_ID = 0
DEFAULT_EXPERIMENT_NAME = "Default"

_E = models.experiments.c
_EXPERIMENT_COLUMNS = (
    _E.experiment_id,
    _E.name,
    _E.artifact_location,
    _E.lifecycle_stage,
    _E.creation_time,
    _E.last_update_time,
)


class SqlExperimentStore(ExperimentStore):
    """Experiments in a SQLite or PostgreSQL database.

    Args:
        database: The opened database (its schema at the current revision).
        default_artifact_root: Where experiments created without an artifact location keep
            their runs' artifacts: ``<default_artifact_root>/<experiment_id>``.
    """

    def __init__(self, database: SqlDatabase, default_artifact_root: str) -> None:
        self._db = database
        self._artifact_root = default_artifact_root.rstrip("/")

    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """Create an experiment and return its id.

        Raises:
            AlreadyExistsError: An experiment (active or deleted) has this name.
            InvalidParameterError: The name is empty or too long, or a tag is invalid.
        """
        name = validate_experiment_name(name)
        all_tags = dict(tags or {})
        validate_tags(all_tags, "tags", MAX_EXPERIMENT_TAG_VALUE_LENGTH)
        if artifact_location is not None and not isinstance(artifact_location, str):
            raise InvalidParameterError(
                f"artifact_location must be a string, got {artifact_location!r}",
                field="artifact_location",
            )
        now = now_ms()
        with self._db.write() as conn:
            if _row_by_name(conn, name) is not None:
                raise _name_taken(name)
            try:
                key: int = conn.execute(
                    models.experiments.insert()
                    .values(
                        name=name,
                        artifact_location=artifact_location or "",
                        lifecycle_stage=LifecycleStage.ACTIVE.value,
                        creation_time=now,
                        last_update_time=now,
                    )
                    .returning(_E.experiment_id)
                ).scalar_one()
            except IntegrityError as e:
                raise _name_taken(name) from e
            if not artifact_location:
                conn.execute(
                    update(models.experiments)
                    .where(_E.experiment_id == key)
                    .values(artifact_location=f"{self._artifact_root}/{key}")
                )
            _upsert_tags(self._db, conn, key, all_tags)
        return str(key)

    def get_experiment(self, experiment_id: str) -> Experiment:
        """Return the experiment; raises ``ExperimentNotFoundError`` when there is none."""
        with self._db.read() as conn:
            row = _require(conn, experiment_id)
            return _load(self._db, conn, [row])[0]

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """Return the experiment with this exact name (active or deleted), or None."""
        with self._db.read() as conn:
            row = _row_by_name(conn, name)
            return None if row is None else _load(self._db, conn, [row])[0]

    def search_experiments(
        self,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[Experiment]:
        """Search experiments (see :meth:`ExperimentStore.search_experiments`).

        Raises:
            InvalidFilterError: The filter or an order_by item does not parse.
            InvalidParameterError: ``max_results`` is out of range (1..50000).
            InvalidPageTokenError: The page token is invalid.
        """
        validate_max_results(max_results)
        offset = decode_page_token(page_token)
        clauses = parse_search_filter(filter_string, target="experiments")
        order_keys = parse_order_by(order_by, target="experiments")
        stages = ViewType(view_type).stages()
        stmt = select(*_EXPERIMENT_COLUMNS)
        if len(stages) == 1:
            stmt = stmt.where(_E.lifecycle_stage == next(iter(stages)).value)
        stmt = filter_experiments(stmt, clauses, self._db.dialect)
        stmt = order_experiments(stmt, order_keys).limit(max_results + 1).offset(offset)
        with self._db.read() as conn:
            rows = conn.execute(stmt).all()
            found = _load(self._db, conn, rows[:max_results])
        next_token = encode_page_token(offset + max_results) if len(rows) > max_results else None
        return Page(tuple(found), next_token)

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        """Rename an active experiment.

        Raises:
            AlreadyExistsError: Another experiment has the name.
            ExperimentNotFoundError: No such experiment.
            InvalidParameterError: The name is invalid or the experiment is deleted.
        """
        new_name = validate_experiment_name(new_name)
        with self._db.write() as conn:
            row = _require_active(conn, experiment_id, "rename")
            other = _row_by_name(conn, new_name)
            if other is not None and other.experiment_id != row.experiment_id:
                raise _name_taken(new_name)
            try:
                conn.execute(
                    update(models.experiments)
                    .where(_E.experiment_id == row.experiment_id)
                    .values(name=new_name, last_update_time=now_ms())
                )
            except IntegrityError as e:
                raise _name_taken(new_name) from e

    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete the experiment and its active runs (a no-op when already deleted)."""
        with self._db.write() as conn:
            row = _require(conn, experiment_id)
            if row.lifecycle_stage == LifecycleStage.DELETED:
                return
            now = now_ms()
            _set_stage(conn, row.experiment_id, LifecycleStage.DELETED, now)
            runs = models.runs.c
            conn.execute(
                update(models.runs)
                .where(
                    runs.experiment_id == row.experiment_id,
                    runs.lifecycle_stage == LifecycleStage.ACTIVE.value,
                )
                .values(
                    lifecycle_stage=LifecycleStage.DELETED.value,
                    deleted_time=now,
                    deleted_with_experiment=True,
                )
            )

    def restore_experiment(self, experiment_id: str) -> None:
        """Restore the experiment and the runs its deletion deleted (no-op when active)."""
        with self._db.write() as conn:
            row = _require(conn, experiment_id)
            if row.lifecycle_stage == LifecycleStage.ACTIVE:
                return
            _set_stage(conn, row.experiment_id, LifecycleStage.ACTIVE, now_ms())
            runs = models.runs.c
            conn.execute(
                update(models.runs)
                .where(runs.experiment_id == row.experiment_id, runs.deleted_with_experiment)
                .values(
                    lifecycle_stage=LifecycleStage.ACTIVE.value,
                    deleted_time=None,
                    deleted_with_experiment=False,
                )
            )

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        """Set (or overwrite) one tag of an active experiment."""
        validate_key("tag", key, "key")
        validate_string_value("tag", key, value, MAX_EXPERIMENT_TAG_VALUE_LENGTH, "value")
        with self._db.write() as conn:
            row = _require_active(conn, experiment_id, "tag")
            _upsert_tags(self._db, conn, row.experiment_id, {key: value})

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Remove one tag of an active experiment; raises ``NotFoundError`` if it is not set."""
        with self._db.write() as conn:
            row = _require_active(conn, experiment_id, "untag")
            table = models.experiment_tags
            deleted = conn.execute(
                delete(table).where(table.c.experiment_id == row.experiment_id, table.c.key == key)
            )
            if deleted.rowcount == 0:
                raise NotFoundError(
                    f"no tag with key {key!r} on experiment {experiment_id!r}", field="key"
                )


def ensure_default_experiment(database: SqlDatabase, default_artifact_root: str) -> None:
    """Create the ``Default`` experiment (id 0) when the database has no experiment at all."""
    with database.write() as conn:
        if conn.execute(select(_E.experiment_id).limit(1)).first() is not None:
            return
        now = now_ms()
        conn.execute(
            database.insert(models.experiments)
            .values(
                experiment_id=DEFAULT_EXPERIMENT_ID,
                name=DEFAULT_EXPERIMENT_NAME,
                artifact_location=f"{default_artifact_root.rstrip('/')}/{DEFAULT_EXPERIMENT_ID}",
                lifecycle_stage=LifecycleStage.ACTIVE.value,
                creation_time=now,
                last_update_time=now,
            )
            .on_conflict_do_nothing()
        )


def _name_taken(name: str) -> AlreadyExistsError:
    return AlreadyExistsError(
        f"an experiment named {name!r} already exists (it may be deleted; restore or rename it)",
        field="name",
    )


def _row_by_name(conn: Connection, name: str) -> Row[*tuple[Any, ...]] | None:
    return conn.execute(select(*_EXPERIMENT_COLUMNS).where(_E.name == name)).one_or_none()


def _require(conn: Connection, experiment_id: str) -> Row[*tuple[Any, ...]]:
    key = parse_experiment_id(experiment_id)
    row = None
    if key is not None:
        row = conn.execute(
            select(*_EXPERIMENT_COLUMNS).where(_E.experiment_id == key)
        ).one_or_none()
    if row is None:
        raise ExperimentNotFoundError(f"no experiment with id={experiment_id!r}")
    return row


def _require_active(conn: Connection, experiment_id: str, action: str) -> Row[*tuple[Any, ...]]:
    row = _require(conn, experiment_id)
    if row.lifecycle_stage != LifecycleStage.ACTIVE:
        raise InvalidParameterError(
            f"cannot {action} experiment {experiment_id!r}: it is deleted; restore it first",
            field="experiment_id",
        )
    return row


def _set_stage(conn: Connection, key: int, stage: LifecycleStage, now: int) -> None:
    conn.execute(
        update(models.experiments)
        .where(_E.experiment_id == key)
        .values(lifecycle_stage=stage.value, last_update_time=now)
    )


def _upsert_tags(db: SqlDatabase, conn: Connection, key: int, tags: Mapping[str, str]) -> None:
    if not tags:
        return
    insert = db.insert(models.experiment_tags)
    insert = insert.on_conflict_do_update(
        index_elements=["experiment_id", "key"], set_={"value": insert.excluded.value}
    )
    conn.execute(
        insert,
        [{"experiment_id": key, "key": name, "value": tags[name]} for name in sorted(tags)],
    )


def _load(
    db: SqlDatabase, conn: Connection, rows: Sequence[Row[*tuple[Any, ...]]]
) -> list[Experiment]:
    """Experiments with their tags: one tag query for all ``rows``."""
    if not rows:
        return []
    table = models.experiment_tags.c
    tags: dict[int, dict[str, str]] = defaultdict(dict)
    keys = [row.experiment_id for row in rows]
    stmt = select(table.experiment_id, table.key, table.value).where(
        db.in_values(table.experiment_id, keys)
    )
    for key, name, value in db.fetch_all(conn, stmt):
        tags[key][name] = value
    return [
        Experiment(
            experiment_id=str(row.experiment_id),
            name=row.name,
            artifact_location=row.artifact_location,
            lifecycle_stage=LifecycleStage(row.lifecycle_stage),
            creation_time=row.creation_time,
            last_update_time=row.last_update_time,
            tags=dict(sorted(tags[row.experiment_id].items())),
        )
        for row in rows
    ]
