"""SQL implementation of :class:`LoggedModelStore` (MLflow 3's logged models).

Search filters in Python after one query per page request: the models of the searched
experiments are few (one per ``log_model`` call), and the filter grammar MLflow's client uses
on them (``source_run_id = '...' AND name = '...'``) is small.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update

from driftloop.entities import LifecycleStage, LoggedModel, LoggedModelStatus, Page
from driftloop.errors import (
    ExperimentNotFoundError,
    InvalidFilterError,
    InvalidParameterError,
    NotFoundError,
    ParamOverwriteError,
    RunNotFoundError,
)
from driftloop.store.base import (
    LOGGED_MODEL_MAX_RESULTS_DEFAULT,
    LOGGED_MODEL_MAX_RESULTS_LIMIT,
    LoggedModelStore,
)
from driftloop.store.search import decode_page_token, encode_page_token
from driftloop.store.sql import models
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.ids import now_ms, parse_experiment_id
from driftloop.store.sql.run_names import generate_run_name
from driftloop.store.validation import (
    MAX_PARAM_VALUE_LENGTH,
    validate_key,
    validate_max_results,
    validate_string_value,
    validate_tags,
)

MODEL_ID_PATTERN = re.compile(r"^m-[0-9a-f]{32}$")
"""What a logged model id looks like: ``m-`` and 32 lowercase hex characters."""

_M = models.logged_models.c
_ATTRIBUTES = ("name", "model_id", "model_type", "status", "source_run_id")
_CLAUSE = re.compile(
    r"""^\s*(?P<field>[A-Za-z_]+(?:\.(?:`[^`]+`|"[^"]+"|[\w.\-/: ]+?))?)\s*
    (?P<op>!=|=|(?:NOT\s+)?I?LIKE)\s*
    (?P<quote>['"])(?P<value>.*)(?P=quote)\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_AND = re.compile(r"\s+AND\s+", re.IGNORECASE)
_ORDER_FIELDS = {
    "name": _M.name,
    "creation_timestamp": _M.creation_timestamp,
    "creation_time": _M.creation_timestamp,
    "last_updated_timestamp": _M.last_updated_timestamp,
    "last_updated_time": _M.last_updated_timestamp,
}

Predicate = Callable[[LoggedModel], bool]


class SqlLoggedModelStore(LoggedModelStore):
    """Logged models in a SQLite or PostgreSQL database.

    Args:
        database: The opened database (its schema at the current revision).
    """

    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        model_type: str | None = None,
        source_run_id: str | None = None,
        params: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> LoggedModel:
        """Create a ``PENDING`` model (see :meth:`LoggedModelStore.create_logged_model`)."""
        all_tags = dict(tags or {})
        validate_tags(all_tags, "tags")
        all_params = dict(params or {})
        _validate_params(all_params)
        name = name or generate_run_name()
        validate_string_value("logged model", "name", name, 500, "name")
        model_id = f"m-{uuid.uuid4().hex}"
        now = now_ms()
        with self._db.write() as conn:
            location = _active_experiment_location(conn, experiment_id)
            if source_run_id and _run_exists(conn, source_run_id) is False:
                raise RunNotFoundError(f"run with id={source_run_id!r} not found")
            artifact_location = f"{location.rstrip('/')}/models/{model_id}/artifacts"
            conn.execute(
                models.logged_models.insert().values(
                    model_id=model_id,
                    experiment_id=int(experiment_id),
                    name=name,
                    artifact_location=artifact_location,
                    creation_timestamp=now,
                    last_updated_timestamp=now,
                    status=LoggedModelStatus.PENDING.value,
                    status_message=None,
                    lifecycle_stage=LifecycleStage.ACTIVE.value,
                    model_type=model_type or None,
                    source_run_id=source_run_id or None,
                )
            )
            _upsert(self._db, conn, models.logged_model_tags, model_id, all_tags)
            _upsert(self._db, conn, models.logged_model_params, model_id, all_params)
            return _load(self._db, conn, [_require(conn, model_id)])[0]

    def get_logged_model(self, model_id: str) -> LoggedModel:
        """Return the active model; raises ``NotFoundError``."""
        with self._db.read() as conn:
            return _load(self._db, conn, [_require(conn, model_id)])[0]

    def finalize_logged_model(self, model_id: str, status: LoggedModelStatus) -> LoggedModel:
        """Set the upload status and return the model."""
        status = _final_status(status)
        with self._db.write() as conn:
            _require(conn, model_id)
            conn.execute(
                update(models.logged_models)
                .where(_M.model_id == model_id)
                .values(status=status.value, last_updated_timestamp=now_ms())
            )
            return _load(self._db, conn, [_require(conn, model_id)])[0]

    def delete_logged_model(self, model_id: str) -> None:
        """Soft-delete the model."""
        with self._db.write() as conn:
            _require(conn, model_id)
            conn.execute(
                update(models.logged_models)
                .where(_M.model_id == model_id)
                .values(
                    lifecycle_stage=LifecycleStage.DELETED.value, last_updated_timestamp=now_ms()
                )
            )

    def set_logged_model_tags(self, model_id: str, tags: Mapping[str, str]) -> None:
        """Set (or overwrite) tags."""
        validate_tags(dict(tags), "tags")
        with self._db.write() as conn:
            _require(conn, model_id)
            _upsert(self._db, conn, models.logged_model_tags, model_id, dict(tags))
            _touch(conn, model_id)

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        """Remove one tag; raises ``NotFoundError`` when it is not set."""
        table = models.logged_model_tags
        with self._db.write() as conn:
            _require(conn, model_id)
            deleted = conn.execute(
                delete(table).where(table.c.model_id == model_id, table.c.key == key)
            )
            if deleted.rowcount == 0:
                raise NotFoundError(
                    f"no tag with key {key!r} on logged model {model_id!r}", field="tag_key"
                )
            _touch(conn, model_id)

    def log_logged_model_params(self, model_id: str, params: Mapping[str, str]) -> None:
        """Record params (write-once, like a run's)."""
        wanted = dict(params)
        _validate_params(wanted)
        table = models.logged_model_params
        with self._db.write() as conn:
            _require(conn, model_id)
            stored = conn.execute(
                select(table.c.key, table.c.value).where(table.c.model_id == model_id)
            )
            for key, value in stored:
                if key in wanted and wanted[key] != value:
                    raise ParamOverwriteError(
                        f"param {key!r} of logged model {model_id!r} was already logged with "
                        f"value {value!r}; params are write-once",
                        field="params",
                    )
            _upsert(self._db, conn, table, model_id, wanted)
            _touch(conn, model_id)

    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        max_results: int = LOGGED_MODEL_MAX_RESULTS_DEFAULT,
        order_by: Sequence[tuple[str, bool]] | None = None,
        page_token: str | None = None,
    ) -> Page[LoggedModel]:
        """Search active models (see :meth:`LoggedModelStore.search_logged_models`)."""
        validate_max_results(max_results, LOGGED_MODEL_MAX_RESULTS_LIMIT)
        offset = decode_page_token(page_token)
        predicates = parse_logged_model_filter(filter_string)
        keys = [key for key in map(parse_experiment_id, experiment_ids) if key is not None]
        stmt = select(models.logged_models).where(
            self._db.in_values(_M.experiment_id, keys),
            _M.lifecycle_stage == LifecycleStage.ACTIVE.value,
        )
        for field, ascending in order_by or ():
            column = _ORDER_FIELDS.get(field)
            if column is None:
                raise InvalidFilterError(
                    f"cannot order logged models by {field!r}; use one of "
                    f"{', '.join(sorted(_ORDER_FIELDS))}",
                    field="order_by",
                )
            stmt = stmt.order_by(column.asc() if ascending else column.desc())
        stmt = stmt.order_by(_M.creation_timestamp.desc(), _M.model_id)
        with self._db.read() as conn:
            found = [
                m for m in _load(self._db, conn, conn.execute(stmt).all()) if _all(m, predicates)
            ]
        page = found[offset : offset + max_results]
        more = len(found) > offset + max_results
        return Page(tuple(page), encode_page_token(offset + max_results) if more else None)


def parse_logged_model_filter(filter_string: str | None) -> list[Predicate]:
    """Predicates for an ``AND``-joined logged-model filter (see the store's search).

    Raises:
        InvalidFilterError: A clause does not parse or names an unsupported field.
    """
    if filter_string is None or not filter_string.strip():
        return []
    return [_clause(text) for text in _AND.split(filter_string.strip())]


def _clause(text: str) -> Predicate:
    match = _CLAUSE.match(text)
    if match is None:
        raise InvalidFilterError(f"invalid clause in logged model filter: {text!r}", field="filter")
    field, op = match["field"], " ".join(match["op"].upper().split())
    value = match["value"]
    get: Callable[[LoggedModel], str | None]
    if "." in field:
        kind, key = field.split(".", 1)
        key = key.strip('`"')
        if kind.lower() in {"tag", "tags"}:
            get = lambda m: m.tags.get(key)  # noqa: E731
        elif kind.lower() in {"param", "params"}:
            get = lambda m: m.params.get(key)  # noqa: E731
        else:
            raise InvalidFilterError(
                f"logged model filters support tags.<key> and params.<key>, not {field!r}",
                field="filter",
            )
    elif field.lower() in _ATTRIBUTES:
        attribute = field.lower()
        get = lambda m: _attribute_text(m, attribute)  # noqa: E731
    else:
        raise InvalidFilterError(
            f"cannot filter logged models on {field!r}; use one of {', '.join(_ATTRIBUTES)}, "
            "tags.<key> or params.<key>",
            field="filter",
        )
    return _compare(get, op, value)


def _compare(get: Callable[[LoggedModel], str | None], op: str, value: str) -> Predicate:
    if op == "=":
        return lambda m: get(m) == value
    if op == "!=":
        return lambda m: (found := get(m)) is not None and found != value
    negate = op.startswith("NOT")
    insensitive = op.endswith("ILIKE")

    def like(m: LoggedModel) -> bool:
        found = get(m)
        if found is None:
            return False
        return _like_matches(found, value, case_sensitive=not insensitive) != negate

    return like


def _like_matches(text: str, pattern: str, *, case_sensitive: bool) -> bool:
    """SQL ``LIKE``: ``%`` is any run of characters, ``_`` any one character."""
    regex = "".join(
        ".*" if char == "%" else "." if char == "_" else re.escape(char) for char in pattern
    )
    flags = re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE
    return re.fullmatch(regex, text, flags) is not None


def _attribute_text(model: LoggedModel, attribute: str) -> str | None:
    value = getattr(model, attribute)
    return None if value is None else str(value)


def _all(model: LoggedModel, predicates: Sequence[Predicate]) -> bool:
    return all(predicate(model) for predicate in predicates)


def _final_status(status: str) -> LoggedModelStatus:
    try:
        parsed = LoggedModelStatus(status)
    except ValueError as e:
        raise InvalidParameterError(
            f"invalid logged model status {status!r}; use LOGGED_MODEL_READY or "
            "LOGGED_MODEL_UPLOAD_FAILED",
            field="status",
        ) from e
    if parsed is LoggedModelStatus.PENDING:
        raise InvalidParameterError(
            "a logged model can only be finalized as LOGGED_MODEL_READY or "
            "LOGGED_MODEL_UPLOAD_FAILED",
            field="status",
        )
    return parsed


def _validate_params(params: Mapping[str, str]) -> None:
    for key, value in params.items():
        validate_key("param", key, "params")
        validate_string_value("param", key, value, MAX_PARAM_VALUE_LENGTH, "params")


def _active_experiment_location(conn: Connection, experiment_id: str) -> str:
    key = parse_experiment_id(experiment_id)
    experiments = models.experiments.c
    row = None
    if key is not None:
        row = conn.execute(
            select(experiments.artifact_location, experiments.lifecycle_stage).where(
                experiments.experiment_id == key
            )
        ).one_or_none()
    if row is None:
        raise ExperimentNotFoundError(f"no experiment with id={experiment_id!r}")
    if row.lifecycle_stage != LifecycleStage.ACTIVE:
        raise InvalidParameterError(
            f"experiment {experiment_id!r} is deleted; restore it before logging models to it",
            field="experiment_id",
        )
    location: str = row.artifact_location
    return location


def _run_exists(conn: Connection, run_id: str) -> bool:
    runs = models.runs.c
    return conn.execute(select(runs.run_id).where(runs.run_id == run_id)).first() is not None


def _require(conn: Connection, model_id: str) -> Row[Any]:
    row = None
    if isinstance(model_id, str) and MODEL_ID_PATTERN.match(model_id):
        row = conn.execute(
            select(models.logged_models).where(
                _M.model_id == model_id, _M.lifecycle_stage == LifecycleStage.ACTIVE.value
            )
        ).one_or_none()
    if row is None:
        raise NotFoundError(f"logged model with id={model_id!r} not found", field="model_id")
    return row


def _touch(conn: Connection, model_id: str) -> None:
    conn.execute(
        update(models.logged_models)
        .where(_M.model_id == model_id)
        .values(last_updated_timestamp=now_ms())
    )


def _upsert(
    db: SqlDatabase, conn: Connection, table: Any, model_id: str, values: Mapping[str, str]
) -> None:
    if not values:
        return
    insert = db.insert(table)
    insert = insert.on_conflict_do_update(
        index_elements=["model_id", "key"], set_={"value": insert.excluded.value}
    )
    conn.execute(
        insert, [{"model_id": model_id, "key": key, "value": values[key]} for key in sorted(values)]
    )


def _load(db: SqlDatabase, conn: Connection, rows: Sequence[Row[Any]]) -> list[LoggedModel]:
    """Models with their tags and params: one query per table for all ``rows``."""
    if not rows:
        return []
    ids = [row.model_id for row in rows]
    data: dict[str, dict[str, dict[str, str]]] = {
        "tags": defaultdict(dict),
        "params": defaultdict(dict),
    }
    for kind, table in (("tags", models.logged_model_tags), ("params", models.logged_model_params)):
        stmt = select(table.c.model_id, table.c.key, table.c.value).where(
            db.in_values(table.c.model_id, ids)
        )
        for model_id, key, value in db.fetch_all(conn, stmt):
            data[kind][model_id][key] = value
    return [
        LoggedModel(
            model_id=row.model_id,
            experiment_id=str(row.experiment_id),
            name=row.name,
            artifact_location=row.artifact_location,
            creation_timestamp=row.creation_timestamp,
            last_updated_timestamp=row.last_updated_timestamp,
            status=LoggedModelStatus(row.status),
            lifecycle_stage=LifecycleStage(row.lifecycle_stage),
            model_type=row.model_type,
            source_run_id=row.source_run_id,
            status_message=row.status_message,
            tags=dict(sorted(data["tags"][row.model_id].items())),
            params=dict(sorted(data["params"][row.model_id].items())),
        )
        for row in rows
    ]
