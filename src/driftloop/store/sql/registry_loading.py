"""Reading registry rows: finding (and locking) a model or version, and building entities.

Entities are built from Core rows with one query per child table for a whole page (tags and
aliases of every model or version on it), never one query per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, select

from driftloop.entities import ModelVersion, ModelVersionStatus, RegisteredModel
from driftloop.errors import ModelVersionNotFoundError, RegisteredModelNotFoundError
from driftloop.store.sql import models
from driftloop.store.sql.database import SqlDatabase

ModelRow = Row[*tuple[Any, ...]]
VersionRow = Row[*tuple[Any, ...]]

_M = models.registered_models.c
_V = models.model_versions.c
MODEL_COLUMNS = (
    _M.model_id,
    _M.name,
    _M.creation_timestamp,
    _M.last_updated_timestamp,
    _M.description,
    _M.last_version,
)
VERSION_COLUMNS = (
    _V.model_id,
    _M.name,
    _V.version,
    _V.creation_timestamp,
    _V.last_updated_timestamp,
    _V.description,
    _V.source,
    _V.run_id,
    _V.status,
    _V.status_message,
    _V.created_by,
)


def require_model(conn: Connection, name: str, *, lock: bool = False) -> ModelRow:
    """The model row called ``name``; with ``lock``, row-locked until the transaction ends.

    The lock (``SELECT ... FOR NO KEY UPDATE`` on PostgreSQL; SQLite's write transactions
    are serialized already) orders every change to one model's versions and aliases.

    Raises:
        RegisteredModelNotFoundError: No model has this name.
    """
    stmt = select(*MODEL_COLUMNS).where(_M.name == name)
    if lock:
        stmt = stmt.with_for_update(key_share=True)
    row = conn.execute(stmt).one_or_none()
    if row is None:
        raise RegisteredModelNotFoundError(f"no registered model named {name!r}", field="name")
    return row


def version_query(model_id: int, version: int) -> Any:
    """The select of one version row (with its model's name)."""
    return (
        select(*VERSION_COLUMNS)
        .join_from(models.model_versions, models.registered_models, _M.model_id == _V.model_id)
        .where(_V.model_id == model_id, _V.version == version)
    )


def require_version(conn: Connection, model: ModelRow, version: int) -> VersionRow:
    """The row of ``version`` of ``model``.

    Raises:
        ModelVersionNotFoundError: The model has no such version.
    """
    row = conn.execute(version_query(model.model_id, version)).one_or_none()
    if row is None:
        raise ModelVersionNotFoundError(
            f"registered model {model.name!r} has no version {version}", field="version"
        )
    return row


def load_models(
    db: SqlDatabase, conn: Connection, rows: Sequence[ModelRow]
) -> list[RegisteredModel]:
    """Models with their tags and aliases: one query each for all ``rows``."""
    if not rows:
        return []
    ids = [row.model_id for row in rows]
    tags: dict[int, dict[str, str]] = defaultdict(dict)
    table = models.registered_model_tags.c
    stmt = select(table.model_id, table.key, table.value).where(db.in_values(table.model_id, ids))
    for model_id, key, value in db.fetch_all(conn, stmt):
        tags[model_id][key] = value
    aliases: dict[int, dict[str, int]] = defaultdict(dict)
    for model_id, version, alias in _aliases(db, conn, ids):
        aliases[model_id][alias] = version
    return [
        RegisteredModel(
            name=row.name,
            creation_timestamp=row.creation_timestamp,
            last_updated_timestamp=row.last_updated_timestamp,
            description=row.description,
            tags=dict(sorted(tags[row.model_id].items())),
            aliases=dict(sorted(aliases[row.model_id].items())),
        )
        for row in rows
    ]


def load_versions(
    db: SqlDatabase, conn: Connection, rows: Sequence[VersionRow]
) -> list[ModelVersion]:
    """Versions with their tags and aliases: one query each for all ``rows``."""
    if not rows:
        return []
    ids = sorted({row.model_id for row in rows})
    tags: dict[tuple[int, int], dict[str, str]] = defaultdict(dict)
    table = models.model_version_tags.c
    stmt = select(table.model_id, table.version, table.key, table.value).where(
        db.in_values(table.model_id, ids)
    )
    for model_id, version, key, value in db.fetch_all(conn, stmt):
        tags[model_id, version][key] = value
    aliases: dict[tuple[int, int], list[str]] = defaultdict(list)
    for model_id, version, alias in _aliases(db, conn, ids):
        aliases[model_id, version].append(alias)
    return [
        ModelVersion(
            name=row.name,
            version=row.version,
            creation_timestamp=row.creation_timestamp,
            last_updated_timestamp=row.last_updated_timestamp,
            description=row.description,
            source=row.source,
            run_id=row.run_id,
            status=ModelVersionStatus(row.status),
            status_message=row.status_message,
            tags=dict(sorted(tags[row.model_id, row.version].items())),
            aliases=tuple(sorted(aliases[row.model_id, row.version])),
            created_by=row.created_by,
        )
        for row in rows
    ]


def _aliases(db: SqlDatabase, conn: Connection, model_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """``(model_id, version, alias)`` of every alias of ``model_ids``."""
    table = models.registered_model_aliases.c
    stmt = select(table.model_id, table.version, table.alias).where(
        db.in_values(table.model_id, model_ids)
    )
    return db.fetch_all(conn, stmt)
