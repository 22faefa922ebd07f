"""SQL implementation of :class:`RegistryStore`: registered models, their tags and aliases.

Alias changes live in :mod:`driftloop.store.sql.registry_aliases`; searching in
:mod:`driftloop.store.sql.registry_search`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from driftloop.entities import ModelVersion, Page, RegisteredModel, RegistryEventType
from driftloop.errors import AlreadyExistsError, ConflictError
from driftloop.store.base import REGISTERED_MODEL_MAX_RESULTS_DEFAULT, RegistryStore
from driftloop.store.registry_validation import (
    MAX_DESCRIPTION_LENGTH,
    MAX_REGISTRY_TAG_VALUE_LENGTH,
    resolve_actor,
    validate_model_name,
    validate_optional_text,
    validate_registry_tags,
)
from driftloop.store.sql import models, registry_aliases
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.ids import now_ms
from driftloop.store.sql.registry_events import append_event
from driftloop.store.sql.registry_loading import load_models, require_model
from driftloop.store.sql.registry_search import search_registered_models
from driftloop.store.validation import validate_key, validate_string_value

_M = models.registered_models.c
_TAGS = models.registered_model_tags


class SqlRegistryStore(RegistryStore):
    """Registered models and aliases in a SQLite or PostgreSQL database.

    Args:
        database: The opened database (its schema at the current revision).
    """

    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    def create_registered_model(
        self,
        name: str,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        *,
        actor: str | None = None,
    ) -> RegisteredModel:
        """Create a model with no versions (see :meth:`RegistryStore.create_registered_model`).

        Raises:
            AlreadyExistsError: A model has this name.
            InvalidParameterError: The name, description, a tag or the actor is invalid.
        """
        name = validate_model_name(name)
        description = validate_optional_text(description, "description", MAX_DESCRIPTION_LENGTH)
        all_tags = dict(tags or {})
        validate_registry_tags(all_tags)
        who = resolve_actor(actor)
        now = now_ms()
        with self._db.write() as conn:
            if conn.execute(select(_M.model_id).where(_M.name == name)).first() is not None:
                raise _name_taken(name)
            try:
                model_id: int = conn.execute(
                    models.registered_models.insert()
                    .values(
                        name=name,
                        creation_timestamp=now,
                        last_updated_timestamp=now,
                        description=description,
                        last_version=0,
                    )
                    .returning(_M.model_id)
                ).scalar_one()
            except IntegrityError as e:
                raise _name_taken(name) from e
            _upsert_tags(self._db, conn, model_id, all_tags)
            append_event(
                conn,
                actor=who,
                event_type=RegistryEventType.REGISTERED_MODEL_CREATED,
                model_id=model_id,
                model_name=name,
            )
            return _load_one(self._db, conn, name)

    def get_registered_model(self, name: str) -> RegisteredModel:
        """Return the model with its tags and aliases.

        Raises:
            RegisteredModelNotFoundError: No model has this name.
        """
        with self._db.read() as conn:
            return _load_one(self._db, conn, name)

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page[RegisteredModel]:
        """Search models (see :meth:`RegistryStore.search_registered_models`).

        Raises:
            InvalidFilterError: The filter or an order_by item does not parse.
            InvalidPageTokenError: The page token was not issued by this store.
            InvalidParameterError: ``max_results`` is out of range (1..1000).
        """
        return search_registered_models(self._db, filter_string, max_results, order_by, page_token)

    def rename_registered_model(
        self, name: str, new_name: str, *, actor: str | None = None
    ) -> RegisteredModel:
        """Rename a model; versions, tags and aliases follow (they reference its id).

        Raises:
            AlreadyExistsError: Another model has ``new_name``.
            InvalidParameterError: ``new_name`` or the actor is invalid.
            RegisteredModelNotFoundError: No model has ``name``.
        """
        new_name = validate_model_name(new_name, "new_name")
        who = resolve_actor(actor)
        with self._db.write() as conn:
            model = require_model(conn, name, lock=True)
            if new_name == model.name:
                return _load_one(self._db, conn, name)
            if conn.execute(select(_M.model_id).where(_M.name == new_name)).first() is not None:
                raise _name_taken(new_name)
            try:
                conn.execute(
                    update(models.registered_models)
                    .where(_M.model_id == model.model_id)
                    .values(name=new_name, last_updated_timestamp=now_ms())
                )
            except IntegrityError as e:
                raise _name_taken(new_name) from e
            append_event(
                conn,
                actor=who,
                event_type=RegistryEventType.REGISTERED_MODEL_RENAMED,
                model_id=model.model_id,
                model_name=name,
                details={"new_name": new_name},
            )
            return _load_one(self._db, conn, new_name)

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        """Replace the description (``None`` clears it).

        Raises:
            InvalidParameterError: The description is too long.
            RegisteredModelNotFoundError: No model has this name.
        """
        description = validate_optional_text(description, "description", MAX_DESCRIPTION_LENGTH)
        with self._db.write() as conn:
            model = require_model(conn, name)
            conn.execute(
                update(models.registered_models)
                .where(_M.model_id == model.model_id)
                .values(description=description, last_updated_timestamp=now_ms())
            )
            return _load_one(self._db, conn, name)

    def delete_registered_model(self, name: str, *, actor: str | None = None) -> None:
        """Delete the model; its tags, versions and aliases go with it, its events stay.

        Raises:
            ConflictError: Deployments serve the model (delete them first).
            RegisteredModelNotFoundError: No model has this name.
        """
        who = resolve_actor(actor)
        with self._db.write() as conn:
            model = require_model(conn, name, lock=True)
            _refuse_if_deployed(conn, model.model_id, model.name)
            versions = models.model_versions.c
            count = conn.execute(
                select(func.count()).where(versions.model_id == model.model_id)
            ).scalar_one()
            # Foreign keys cascade to tags, versions, version tags and aliases.
            conn.execute(delete(models.registered_models).where(_M.model_id == model.model_id))
            append_event(
                conn,
                actor=who,
                event_type=RegistryEventType.REGISTERED_MODEL_DELETED,
                model_id=model.model_id,
                model_name=model.name,
                details={"deleted_versions": str(count)},
            )

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        """Set (or overwrite) one model tag.

        Raises:
            InvalidParameterError: The key or value is invalid.
            RegisteredModelNotFoundError: No model has this name.
        """
        validate_key("tag", key, "key")
        validate_string_value("tag", key, value, MAX_REGISTRY_TAG_VALUE_LENGTH, "value")
        with self._db.write() as conn:
            model = require_model(conn, name)
            _upsert_tags(self._db, conn, model.model_id, {key: value})

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Remove one model tag; a tag that is not set is no error (as MLflow).

        Raises:
            RegisteredModelNotFoundError: No model has this name.
        """
        with self._db.write() as conn:
            model = require_model(conn, name)
            conn.execute(
                delete(_TAGS).where(_TAGS.c.model_id == model.model_id, _TAGS.c.key == key)
            )

    def set_alias(self, name: str, alias: str, version: int, *, actor: str | None = None) -> None:
        """Create or move ``alias`` to ``version`` (see :meth:`RegistryStore.set_alias`).

        Raises:
            InvalidParameterError: The alias name is invalid or reserved.
            ModelVersionNotFoundError: The model has no such version.
            RegisteredModelNotFoundError: No model has this name.
        """
        registry_aliases.set_alias(self._db, name, alias, version, actor)

    def delete_alias(self, name: str, alias: str, *, actor: str | None = None) -> None:
        """Remove an alias (event ``ALIAS_DELETED``).

        Raises:
            AliasNotFoundError: The model has no such alias.
            RegisteredModelNotFoundError: No model has this name.
        """
        registry_aliases.delete_alias(self._db, name, alias, actor)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """Return the version ``alias`` points at.

        Raises:
            AliasNotFoundError: The model has no such alias.
            RegisteredModelNotFoundError: No model has this name.
        """
        return registry_aliases.get_model_version_by_alias(self._db, name, alias)


def _name_taken(name: str) -> AlreadyExistsError:
    return AlreadyExistsError(f"a registered model named {name!r} already exists", field="name")


def _refuse_if_deployed(conn: Connection, model_id: int, name: str) -> None:
    table = models.deployments.c
    stmt = select(table.name).where(table.model_id == model_id).order_by(table.name)
    deployments = list(conn.execute(stmt).scalars())
    if deployments:
        raise ConflictError(
            f"registered model {name!r} is served by deployments {', '.join(deployments)}; "
            "delete them first",
            field="name",
        )


def _load_one(db: SqlDatabase, conn: Connection, name: str) -> RegisteredModel:
    return load_models(db, conn, [require_model(conn, name)])[0]


def _upsert_tags(db: SqlDatabase, conn: Connection, model_id: int, tags: Mapping[str, str]) -> None:
    if not tags:
        return
    insert = db.insert(_TAGS)
    insert = insert.on_conflict_do_update(
        index_elements=["model_id", "key"], set_={"value": insert.excluded.value}
    )
    conn.execute(
        insert, [{"model_id": model_id, "key": key, "value": tags[key]} for key in sorted(tags)]
    )
