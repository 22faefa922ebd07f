"""SQL implementation of :class:`ModelVersionStore`.

A new version's number comes from ``registered_models.last_version``, incremented by one
``UPDATE ... RETURNING``: on PostgreSQL that statement row-locks the model until commit (a
concurrent registration waits, then increments the committed value); SQLite serializes write
transactions (``BEGIN IMMEDIATE``). Numbers are therefore consecutive under concurrency and
never reused after a delete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, delete, func, select, update

from driftloop.entities import ModelVersion, ModelVersionStatus, Page, RegistryEventType
from driftloop.errors import RegisteredModelNotFoundError
from driftloop.store.base import MODEL_VERSION_MAX_RESULTS_DEFAULT, ModelVersionStore
from driftloop.store.registry_validation import (
    MAX_DESCRIPTION_LENGTH,
    MAX_STATUS_MESSAGE_LENGTH,
    resolve_actor,
    validate_optional_text,
    validate_registry_tags,
    validate_run_id,
    validate_source,
    validate_status,
    validate_version,
)
from driftloop.store.sql import models
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.ids import now_ms
from driftloop.store.sql.registry_events import append_event
from driftloop.store.sql.registry_loading import (
    ModelRow,
    VersionRow,
    load_versions,
    require_model,
    require_version,
)
from driftloop.store.sql.registry_search import search_model_versions

_M = models.registered_models.c
_V = models.model_versions.c
_TAGS = models.model_version_tags
_ALIASES = models.registered_model_aliases


class SqlModelVersionStore(ModelVersionStore):
    """Model versions in a SQLite or PostgreSQL database.

    Args:
        database: The opened database (its schema at the current revision).
    """

    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        description: str | None = None,
        *,
        actor: str | None = None,
    ) -> ModelVersion:
        """Register a new ``READY`` version numbered after the highest ever issued.

        Raises:
            InvalidParameterError: The source, run id, description, a tag or the actor is
                invalid.
            RegisteredModelNotFoundError: No model has this name.
        """
        source = validate_source(source)
        run_id = validate_run_id(run_id)
        description = validate_optional_text(description, "description", MAX_DESCRIPTION_LENGTH)
        all_tags = dict(tags or {})
        validate_registry_tags(all_tags)
        who = resolve_actor(actor)
        now = now_ms()
        with self._db.write() as conn:
            issued = conn.execute(
                update(models.registered_models)
                .where(_M.name == name)
                .values(last_version=_M.last_version + 1, last_updated_timestamp=now)
                .returning(_M.model_id, _M.name, _M.last_version)
            ).one_or_none()
            if issued is None:
                raise RegisteredModelNotFoundError(
                    f"no registered model named {name!r}", field="name"
                )
            model_id, model_name, version = issued
            conn.execute(
                models.model_versions.insert().values(
                    model_id=model_id,
                    version=version,
                    creation_timestamp=now,
                    last_updated_timestamp=now,
                    description=description,
                    source=source,
                    run_id=run_id,
                    status=ModelVersionStatus.READY.value,
                    status_message=None,
                    created_by=actor,
                )
            )
            _upsert_tags(self._db, conn, model_id, version, all_tags)
            append_event(
                conn,
                actor=who,
                event_type=RegistryEventType.MODEL_VERSION_CREATED,
                model_id=model_id,
                model_name=model_name,
                version=version,
                details={"source": source} | ({"run_id": run_id} if run_id else {}),
            )
            model = require_model(conn, model_name)
            return self._load(conn, require_version(conn, model, version))

    def get_model_version(self, name: str, version: int) -> ModelVersion:
        """Return one version.

        Raises:
            InvalidParameterError: ``version`` is not a positive integer.
            ModelVersionNotFoundError: The model has no such version.
            RegisteredModelNotFoundError: No model has this name.
        """
        version = validate_version(version)
        with self._db.read() as conn:
            return self._load(conn, require_version(conn, require_model(conn, name), version))

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = MODEL_VERSION_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[ModelVersion]:
        """Search versions (see :meth:`ModelVersionStore.search_model_versions`).

        Raises:
            InvalidFilterError: The filter or an order_by item does not parse.
            InvalidPageTokenError: The page token was not issued by this store.
            InvalidParameterError: ``max_results`` is out of range (1..200000).
        """
        return search_model_versions(self._db, filter_string, max_results, order_by, page_token)

    def update_model_version(
        self, name: str, version: int, description: str | None
    ) -> ModelVersion:
        """Replace a version's description (``None`` clears it).

        Raises:
            InvalidParameterError: The version or description is invalid.
            ModelVersionNotFoundError: The model has no such version.
            RegisteredModelNotFoundError: No model has this name.
        """
        version = validate_version(version)
        description = validate_optional_text(description, "description", MAX_DESCRIPTION_LENGTH)
        with self._db.write() as conn:
            model = require_model(conn, name)
            require_version(conn, model, version)
            _update(conn, model, version, description=description)
            return self._load(conn, require_version(conn, model, version))

    def set_model_version_status(
        self,
        name: str,
        version: int,
        status: ModelVersionStatus,
        status_message: str | None = None,
        *,
        actor: str | None = None,
    ) -> ModelVersion:
        """Set the status and message (event ``MODEL_VERSION_STATUS_CHANGED``).

        Raises:
            InvalidParameterError: The version, status, message or actor is invalid.
            ModelVersionNotFoundError: The model has no such version.
            RegisteredModelNotFoundError: No model has this name.
        """
        version = validate_version(version)
        new_status = validate_status(status)
        status_message = validate_optional_text(
            status_message, "status_message", MAX_STATUS_MESSAGE_LENGTH
        )
        who = resolve_actor(actor)
        with self._db.write() as conn:
            model = require_model(conn, name, lock=True)
            row = require_version(conn, model, version)
            _update(conn, model, version, status=new_status.value, status_message=status_message)
            append_event(
                conn,
                actor=who,
                event_type=RegistryEventType.MODEL_VERSION_STATUS_CHANGED,
                model_id=model.model_id,
                model_name=model.name,
                version=version,
                details={"from_status": row.status, "to_status": new_status.value},
            )
            return self._load(conn, require_version(conn, model, version))

    def delete_model_version(self, name: str, version: int, *, actor: str | None = None) -> None:
        """Delete a version and the aliases pointing at it, recording an event for each.

        Raises:
            ModelVersionNotFoundError: The model has no such version.
            RegisteredModelNotFoundError: No model has this name.
        """
        version = validate_version(version)
        who = resolve_actor(actor)
        with self._db.write() as conn:
            model = require_model(conn, name, lock=True)
            require_version(conn, model, version)
            aliases = (
                conn.execute(
                    select(_ALIASES.c.alias)
                    .where(_ALIASES.c.model_id == model.model_id, _ALIASES.c.version == version)
                    .order_by(_ALIASES.c.alias)
                )
                .scalars()
                .all()
            )
            conn.execute(
                delete(_ALIASES).where(
                    _ALIASES.c.model_id == model.model_id, _ALIASES.c.version == version
                )
            )
            conn.execute(
                delete(models.model_versions).where(
                    _V.model_id == model.model_id, _V.version == version
                )
            )
            conn.execute(
                update(models.registered_models)
                .where(_M.model_id == model.model_id)
                .values(last_updated_timestamp=now_ms())
            )
            for alias in aliases:
                append_event(
                    conn,
                    actor=who,
                    event_type=RegistryEventType.ALIAS_DELETED,
                    model_id=model.model_id,
                    model_name=model.name,
                    version=version,
                    alias=alias,
                    from_version=version,
                    details={"reason": "model version deleted"},
                )
            append_event(
                conn,
                actor=who,
                event_type=RegistryEventType.MODEL_VERSION_DELETED,
                model_id=model.model_id,
                model_name=model.name,
                version=version,
            )

    def set_model_version_tag(self, name: str, version: int, key: str, value: str) -> None:
        """Set (or overwrite) one version tag.

        Raises:
            InvalidParameterError: The version, key or value is invalid.
            ModelVersionNotFoundError: The model has no such version.
            RegisteredModelNotFoundError: No model has this name.
        """
        version = validate_version(version)
        validate_registry_tags({key: value}, "key")
        with self._db.write() as conn:
            model = require_model(conn, name)
            require_version(conn, model, version)
            _upsert_tags(self._db, conn, model.model_id, version, {key: value})

    def delete_model_version_tag(self, name: str, version: int, key: str) -> None:
        """Remove one version tag; a tag that is not set is no error (as MLflow).

        Raises:
            ModelVersionNotFoundError: The model has no such version.
            RegisteredModelNotFoundError: No model has this name.
        """
        version = validate_version(version)
        with self._db.write() as conn:
            model = require_model(conn, name)
            require_version(conn, model, version)
            conn.execute(
                delete(_TAGS).where(
                    _TAGS.c.model_id == model.model_id,
                    _TAGS.c.version == version,
                    _TAGS.c.key == key,
                )
            )

    def get_latest_version(self, name: str) -> ModelVersion | None:
        """Return the highest-numbered existing version, or None when there is none.

        Raises:
            RegisteredModelNotFoundError: No model has this name.
        """
        with self._db.read() as conn:
            model = require_model(conn, name)
            latest = conn.execute(
                select(func.max(_V.version)).where(_V.model_id == model.model_id)
            ).scalar_one()
            if latest is None:
                return None
            return self._load(conn, require_version(conn, model, latest))

    def _load(self, conn: Connection, row: VersionRow) -> ModelVersion:
        return load_versions(self._db, conn, [row])[0]


def _update(conn: Connection, model: ModelRow, version: int, **values: object) -> None:
    conn.execute(
        update(models.model_versions)
        .where(_V.model_id == model.model_id, _V.version == version)
        .values(last_updated_timestamp=now_ms(), **values)
    )


def _upsert_tags(
    db: SqlDatabase, conn: Connection, model_id: int, version: int, tags: Mapping[str, str]
) -> None:
    if not tags:
        return
    insert = db.insert(_TAGS)
    insert = insert.on_conflict_do_update(
        index_elements=["model_id", "version", "key"], set_={"value": insert.excluded.value}
    )
    conn.execute(
        insert,
        [
            {"model_id": model_id, "version": version, "key": key, "value": tags[key]}
            for key in sorted(tags)
        ],
    )
