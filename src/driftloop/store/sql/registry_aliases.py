"""Aliases of registered models: set (create or move), delete and resolve.

Setting or deleting an alias first row-locks the model (see
:func:`~driftloop.store.sql.registry_loading.require_model`), so the read of the alias's
current version, its change and the event recording ``from_version -> to_version`` are one
serialized step: concurrent moves of an alias form an unbroken chain in the event log.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from driftloop.entities import ModelVersion, RegistryEventType
from driftloop.errors import AliasNotFoundError
from driftloop.store.registry_validation import (
    resolve_actor,
    validate_alias_lookup,
    validate_alias_name,
    validate_version,
)
from driftloop.store.sql import models
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.registry_events import append_event
from driftloop.store.sql.registry_loading import (
    ModelRow,
    load_versions,
    require_model,
    require_version,
)

_A = models.registered_model_aliases


def set_alias(db: SqlDatabase, name: str, alias: str, version: int, actor: str | None) -> None:
    """Point ``alias`` of model ``name`` at ``version`` and record ``ALIAS_SET``."""
    alias = validate_alias_name(alias)
    version = validate_version(version)
    who = resolve_actor(actor)
    with db.write() as conn:
        model = require_model(conn, name, lock=True)
        require_version(conn, model, version)
        previous = current_version(conn, model, alias)
        insert = db.insert(_A).values(model_id=model.model_id, alias=alias, version=version)
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=["model_id", "alias"], set_={"version": insert.excluded.version}
            )
        )
        append_event(
            conn,
            actor=who,
            event_type=RegistryEventType.ALIAS_SET,
            model_id=model.model_id,
            model_name=model.name,
            version=version,
            alias=alias,
            from_version=previous,
            to_version=version,
        )


def delete_alias(db: SqlDatabase, name: str, alias: str, actor: str | None) -> None:
    """Remove ``alias`` of model ``name`` and record ``ALIAS_DELETED``."""
    alias = validate_alias_lookup(alias)
    who = resolve_actor(actor)
    with db.write() as conn:
        model = require_model(conn, name, lock=True)
        previous = current_version(conn, model, alias)
        if previous is None:
            raise _no_alias(model, alias)
        conn.execute(delete(_A).where(_A.c.model_id == model.model_id, _A.c.alias == alias))
        append_event(
            conn,
            actor=who,
            event_type=RegistryEventType.ALIAS_DELETED,
            model_id=model.model_id,
            model_name=model.name,
            version=previous,
            alias=alias,
            from_version=previous,
        )


def get_model_version_by_alias(db: SqlDatabase, name: str, alias: str) -> ModelVersion:
    """The version ``alias`` of model ``name`` points at."""
    alias = validate_alias_lookup(alias)
    with db.read() as conn:
        model = require_model(conn, name)
        version = current_version(conn, model, alias)
        if version is None:
            raise _no_alias(model, alias)
        return load_versions(db, conn, [require_version(conn, model, version)])[0]


def current_version(conn: Connection, model: ModelRow, alias: str) -> int | None:
    """The version ``alias`` points at now, or None when the model has no such alias."""
    stmt = select(_A.c.version).where(_A.c.model_id == model.model_id, _A.c.alias == alias)
    version: int | None = conn.execute(stmt).scalar_one_or_none()
    return version


def _no_alias(model: ModelRow, alias: str) -> AliasNotFoundError:
    return AliasNotFoundError(
        f"registered model {model.name!r} has no alias {alias!r}", field="alias"
    )
