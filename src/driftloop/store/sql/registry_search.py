"""``search_registered_models`` and ``search_model_versions``: one filtered, ordered, paged query.

Filters are parsed by :mod:`driftloop.store.search.registry`; comparisons reuse the run
search's :func:`~driftloop.store.sql.search_compiler.compare` (case-sensitive ``LIKE`` is
``GLOB`` on SQLite). A tag clause is an inner join on ``(owner, key)``: a model or version
without the tag never matches, not even ``!=`` (as MLflow). Pages use offset tokens and a
total order (tie-breakers ``name ASC`` and ``version_number DESC``); names sort in byte
order on both databases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, Table, and_, select

from driftloop.entities import ModelVersion, Page, RegisteredModel
from driftloop.store.base import MODEL_VERSION_MAX_RESULTS_LIMIT, REGISTERED_MODEL_MAX_RESULTS_LIMIT
from driftloop.store.search import Clause, OrderKey, decode_page_token, encode_page_token
from driftloop.store.search.registry import parse_registry_filter, parse_registry_order_by
from driftloop.store.sql import models
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.registry_loading import (
    MODEL_COLUMNS,
    VERSION_COLUMNS,
    load_models,
    load_versions,
)
from driftloop.store.sql.search_compiler import compare
from driftloop.store.validation import validate_max_results

_Ts = TypeVarTuple("_Ts")
_M = models.registered_models.c
_V = models.model_versions.c

_MODEL_ATTRIBUTES: dict[str, ColumnElement[Any]] = {
    "name": _M.name,
    "creation_timestamp": _M.creation_timestamp,
    "last_updated_timestamp": _M.last_updated_timestamp,
}
_VERSION_ATTRIBUTES: dict[str, ColumnElement[Any]] = {
    "name": _M.name,
    "run_id": _V.run_id,
    "source_path": _V.source,
    "version_number": _V.version,
    "creation_timestamp": _V.creation_timestamp,
    "last_updated_timestamp": _V.last_updated_timestamp,
}


def search_registered_models(
    db: SqlDatabase,
    filter_string: str | None,
    max_results: int,
    order_by: Sequence[str] | None,
    page_token: str | None,
) -> Page[RegisteredModel]:
    """Search registered models (see :meth:`RegistryStore.search_registered_models`)."""
    validate_max_results(max_results, REGISTERED_MODEL_MAX_RESULTS_LIMIT)
    offset = decode_page_token(page_token)
    clauses = parse_registry_filter(filter_string, target="registered_models")
    keys = parse_registry_order_by(order_by, target="registered_models")
    stmt = select(*MODEL_COLUMNS)
    for clause in clauses:
        if clause.entity_type == "tag":
            owner = {"model_id": _M.model_id}
            stmt = _join_tag(stmt, models.registered_model_tags, owner, clause, db.dialect)
        else:
            stmt = stmt.where(_condition(_MODEL_ATTRIBUTES[clause.key], clause, db.dialect))
    stmt = _order(stmt, keys, _MODEL_ATTRIBUTES, (OrderKey("attribute", "name"),), db.dialect)
    stmt = stmt.limit(max_results + 1).offset(offset)
    with db.read() as conn:
        rows = conn.execute(stmt).all()
        found = load_models(db, conn, rows[:max_results])
    next_token = encode_page_token(offset + max_results) if len(rows) > max_results else None
    return Page(tuple(found), next_token)


def search_model_versions(
    db: SqlDatabase,
    filter_string: str | None,
    max_results: int,
    order_by: Sequence[str] | None,
    page_token: str | None,
) -> Page[ModelVersion]:
    """Search model versions (see :meth:`ModelVersionStore.search_model_versions`)."""
    validate_max_results(max_results, MODEL_VERSION_MAX_RESULTS_LIMIT)
    offset = decode_page_token(page_token)
    clauses = parse_registry_filter(filter_string, target="model_versions")
    keys = parse_registry_order_by(order_by, target="model_versions")
    stmt = select(*VERSION_COLUMNS).join_from(
        models.model_versions, models.registered_models, _M.model_id == _V.model_id
    )
    for clause in clauses:
        if clause.entity_type == "tag":
            owner = {"model_id": _V.model_id, "version": _V.version}
            stmt = _join_tag(stmt, models.model_version_tags, owner, clause, db.dialect)
        else:
            stmt = stmt.where(_condition(_VERSION_ATTRIBUTES[clause.key], clause, db.dialect))
    tie_breakers = (
        OrderKey("attribute", "name"),
        OrderKey("attribute", "version_number", ascending=False),
    )
    stmt = _order(stmt, keys, _VERSION_ATTRIBUTES, tie_breakers, db.dialect)
    stmt = stmt.limit(max_results + 1).offset(offset)
    with db.read() as conn:
        rows = conn.execute(stmt).all()
        found = load_versions(db, conn, rows[:max_results])
    next_token = encode_page_token(offset + max_results) if len(rows) > max_results else None
    return Page(tuple(found), next_token)


def _condition(column: ColumnElement[Any], clause: Clause, dialect: str) -> ColumnElement[bool]:
    return compare(column, clause.comparator, clause.value, dialect)


def _join_tag(
    stmt: Select[*_Ts],
    table: Table,
    owner: Mapping[str, ColumnElement[Any]],
    clause: Clause,
    dialect: str,
) -> Select[*_Ts]:
    alias = table.alias()
    keys = [alias.c[name] == column for name, column in owner.items()]
    on = and_(*keys, alias.c.key == clause.key, _condition(alias.c.value, clause, dialect))
    return stmt.join(alias, on)


def _order(
    stmt: Select[*_Ts],
    keys: Sequence[OrderKey],
    attributes: dict[str, ColumnElement[Any]],
    tie_breakers: Sequence[OrderKey],
    dialect: str,
) -> Select[*_Ts]:
    chosen = {key.key for key in keys}
    for key in (*keys, *(k for k in tie_breakers if k.key not in chosen)):
        column = attributes[key.key]
        if key.key == "name" and dialect == "postgresql":
            # Byte order, as SQLite and MLflow sort names, whatever the database's locale.
            column = column.collate("C")
        stmt = stmt.order_by(column.asc() if key.ascending else column.desc())
    return stmt
