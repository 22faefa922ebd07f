"""Compile parsed search clauses and order keys into SQLAlchemy joins, conditions and ordering.

Each clause joins only the table it needs: a positive metric/param/tag clause is an inner join
on ``(run_id, key)`` (at most one row per run and key, so a join never duplicates runs, and the
planner may start from the ``(key, value)`` index); ``IS NULL`` is a ``NOT EXISTS``; all
dataset clauses together are one ``EXISTS`` over the inputs tables (they must hold for the same
dataset). Metrics compare the run's latest value, where NaN is stored as NULL: NaN matches
only ``!=``. Missing values (and NaN metrics) sort last in either direction.

SQLite's ``LIKE`` ignores case, so a case-sensitive ``LIKE`` becomes ``GLOB`` there, and
``ILIKE`` becomes ``lower(x) LIKE lower(pattern)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    Table,
    and_,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import KeyedColumnElement

from driftloop.errors import InvalidFilterError
from driftloop.store.search import Clause, OrderKey
from driftloop.store.sql import models
from driftloop.store.sql.ids import parse_experiment_id

_Ts = TypeVarTuple("_Ts")

DATASET_CONTEXT_TAG = "mlflow.data.context"

_RUN_ATTRIBUTES: dict[str, KeyedColumnElement[Any]] = {
    "run_id": models.runs.c.run_id,
    "run_name": models.runs.c.name,
    "status": models.runs.c.status,
    "user_id": models.runs.c.user_id,
    "artifact_uri": models.runs.c.artifact_uri,
    "start_time": models.runs.c.start_time,
    "end_time": models.runs.c.end_time,
    "lifecycle_stage": models.runs.c.lifecycle_stage,
}
_EXPERIMENT_ATTRIBUTES: dict[str, KeyedColumnElement[Any]] = {
    "name": models.experiments.c.name,
    "creation_time": models.experiments.c.creation_time,
    "last_update_time": models.experiments.c.last_update_time,
    "lifecycle_stage": models.experiments.c.lifecycle_stage,
    "experiment_id": models.experiments.c.experiment_id,
}
_DATASET_COLUMNS = {"name": models.datasets.c.name, "digest": models.datasets.c.digest}


def compare(
    column: ColumnElement[Any], comparator: str, value: object, dialect: str
) -> ColumnElement[bool]:
    """``column <comparator> value`` with MLflow's comparator semantics on this dialect."""
    simple = _SIMPLE_COMPARATORS.get(comparator)
    if simple is not None:
        return simple(column, value)
    if comparator in {"LIKE", "ILIKE"}:
        return _like(column, str(value), dialect, case_sensitive=comparator == "LIKE")
    if comparator in {"IN", "NOT IN"}:
        values = value if isinstance(value, tuple) else (value,)
        return column.in_(values) if comparator == "IN" else column.not_in(values)
    if comparator == "IS NULL":
        return column.is_(None)
    if comparator == "IS NOT NULL":
        return column.is_not(None)
    raise InvalidFilterError(f"unsupported comparator {comparator!r}")


_SIMPLE_COMPARATORS: dict[str, Callable[[ColumnElement[Any], Any], ColumnElement[bool]]] = {
    "=": lambda c, v: c == v,
    "!=": lambda c, v: c != v,
    ">": lambda c, v: c > v,
    ">=": lambda c, v: c >= v,
    "<": lambda c, v: c < v,
    "<=": lambda c, v: c <= v,
}


def like_to_glob(pattern: str) -> str:
    """Translate a SQL LIKE pattern into an equivalent (case-sensitive) SQLite GLOB pattern."""
    special = {"%": "*", "_": "?", "*": "[*]", "?": "[?]", "[": "[[]"}
    return "".join(special.get(char, char) for char in pattern)


def _like(
    column: ColumnElement[Any], pattern: str, dialect: str, *, case_sensitive: bool
) -> ColumnElement[bool]:
    if dialect == "sqlite":
        if case_sensitive:
            return column.bool_op("GLOB")(like_to_glob(pattern))
        return func.lower(column).like(func.lower(pattern))
    return column.like(pattern) if case_sensitive else column.ilike(pattern)


@dataclass(slots=True)
class JoinedValue:
    """The value column of a filter's inner join, and whether it can still be NULL.

    Only a metric joined for ``!=`` alone can be NULL (a NaN latest value). A column that
    cannot be NULL is ordered without ``NULLS LAST``, so the database may read it in the
    order of the ``(key, value)`` index and stop at the page size.
    """

    column: ColumnElement[Any]
    nullable: bool


Joined = dict[tuple[str, str], JoinedValue]
"""The value of each ``(entity_type, key)`` a filter inner-joined, for reuse by the order."""

_PRESENCE = frozenset({"IS NULL", "IS NOT NULL"})
"""Comparators that test a key's presence (a ``NOT EXISTS`` / ``EXISTS``, never a join)."""

_RUN_KEYED_TABLES = {
    "metric": models.latest_metrics,
    "param": models.params,
    "tag": models.tags,
}


def filter_runs(
    stmt: Select[*_Ts],
    clauses: Sequence[Clause],
    dialect: str,
    joined: Joined | None = None,
    *,
    correlated: bool = False,
) -> Select[*_Ts]:
    """Add the joins and conditions of ``clauses`` to a select over ``runs``.

    Args:
        stmt: A select over ``runs``.
        clauses: Parsed filter clauses.
        dialect: ``"sqlite"`` or ``"postgresql"``.
        joined: Filled with the inner-joined value columns, which :func:`order_runs` reuses
            instead of joining the same ``(run_id, key)`` row again.
        correlated: Test each metric/param/tag clause with a correlated ``EXISTS`` on
            ``(run_id, key)`` instead of an inner join: the same runs (the row is unique per
            run and key), but the database cannot reorder it, so it probes the primary key
            once per row of the outer query (the prefix plans of ``_search_prefix``).
    """
    run_id = models.runs.c.run_id
    joined = {} if joined is None else joined
    dataset_clauses = []
    for clause in clauses:
        table = _RUN_KEYED_TABLES.get(clause.entity_type)
        if table is not None and correlated:
            stmt = stmt.where(_keyed_exists(table, run_id, clause, dialect))
        elif table is not None:
            stmt = _filter_keyed(stmt, table, run_id, clause, dialect, joined)
        elif clause.entity_type == "attribute":
            column = _attribute(_RUN_ATTRIBUTES, clause.key, "runs")
            stmt = stmt.where(compare(column, clause.comparator, clause.value, dialect))
        else:
            dataset_clauses.append(clause)
    if dataset_clauses:
        stmt = stmt.where(_datasets_exist(dataset_clauses, dialect))
    return stmt


def filter_experiments(stmt: Select[*_Ts], clauses: Sequence[Clause], dialect: str) -> Select[*_Ts]:
    """Add the joins and conditions of ``clauses`` to a select over ``experiments``."""
    owner = models.experiments.c.experiment_id
    for clause in clauses:
        if clause.entity_type == "tag":
            stmt = _filter_keyed(stmt, models.experiment_tags, owner, clause, dialect, {})
        elif clause.entity_type == "attribute":
            stmt = stmt.where(_experiment_attribute_condition(clause, dialect))
        else:
            raise InvalidFilterError(
                f"experiments cannot be filtered by {clause.entity_type} {clause.key!r}"
            )
    return stmt


def order_runs(
    stmt: Select[*_Ts], order_keys: Sequence[OrderKey], joined: Joined | None = None
) -> Select[*_Ts]:
    """Order by ``order_keys`` (missing last), then ``run_id``; default start_time DESC.

    ``joined`` is what :func:`filter_runs` joined; those value columns are reused.
    """
    runs = models.runs.c
    if not order_keys:
        return stmt.order_by(runs.start_time.desc(), runs.run_id.asc())
    joined = {} if joined is None else joined
    for key in order_keys:
        table = _RUN_KEYED_TABLES.get(key.entity_type)
        if table is not None:
            reused = joined.get((key.entity_type, key.key))
            if reused is None:
                stmt, column = _outer_value(stmt, table, runs.run_id, key.key)
            elif not reused.nullable:
                column = reused.column
                stmt = stmt.order_by(column.asc() if key.ascending else column.desc())
                continue
            else:
                column = reused.column
        elif key.entity_type == "attribute":
            column = _attribute(_RUN_ATTRIBUTES, key.key, "runs")
        else:
            raise InvalidFilterError(f"runs cannot be ordered by {key.entity_type} {key.key!r}")
        stmt = stmt.order_by(_direction(column, ascending=key.ascending))
    return stmt.order_by(runs.run_id.asc())


def order_experiments(stmt: Select[*_Ts], order_keys: Sequence[OrderKey]) -> Select[*_Ts]:
    """Order by ``order_keys`` (missing last), then id; default creation_time DESC."""
    experiments = models.experiments.c
    if not order_keys:
        return stmt.order_by(experiments.creation_time.desc(), experiments.experiment_id.asc())
    for key in order_keys:
        if key.entity_type == "tag":
            stmt, column = _outer_value(
                stmt, models.experiment_tags, experiments.experiment_id, key.key
            )
        elif key.entity_type == "attribute":
            column = _attribute(_EXPERIMENT_ATTRIBUTES, key.key, "experiments")
        else:
            raise InvalidFilterError(
                f"experiments cannot be ordered by {key.entity_type} {key.key!r}"
            )
        stmt = stmt.order_by(_direction(column, ascending=key.ascending))
    return stmt.order_by(experiments.experiment_id.asc())


def _attribute(
    attributes: dict[str, KeyedColumnElement[Any]], key: str, target: str
) -> KeyedColumnElement[Any]:
    column = attributes.get(key)
    if column is None:
        raise InvalidFilterError(
            f"unknown attribute {key!r} for {target}; expected one of {sorted(attributes)}"
        )
    return column


def _owner_column(table: FromClause) -> ColumnElement[Any]:
    return table.c.run_id if "run_id" in table.c else table.c.experiment_id


def _owner_table(owner: ColumnElement[Any]) -> Table:
    """The table of an owner column (``runs`` or ``experiments``), the left side of joins."""
    return models.runs if owner is models.runs.c.run_id else models.experiments


def _filter_keyed(
    stmt: Select[*_Ts],
    table: Table,
    owner: ColumnElement[Any],
    clause: Clause,
    dialect: str,
    joined: Joined,
) -> Select[*_Ts]:
    """A metric/param/tag clause: inner join on (owner, key) or (NOT) EXISTS for IS NULL.

    Several clauses on the same key share one join (its row is unique per owner and key).
    """
    if clause.comparator in _PRESENCE:
        present = exists().where(_owner_column(table) == owner, table.c.key == clause.key)
        return stmt.where(present if clause.comparator == "IS NOT NULL" else ~present)
    nullable = table is models.latest_metrics and clause.comparator == "!="
    joined_value = joined.get((clause.entity_type, clause.key))
    if joined_value is not None:
        joined_value.nullable = joined_value.nullable and nullable
        return stmt.where(_keyed_condition(table, joined_value.column, clause, dialect))
    alias = table.alias()
    joined[(clause.entity_type, clause.key)] = JoinedValue(alias.c.value, nullable)
    condition = _keyed_condition(table, alias.c.value, clause, dialect)
    on = and_(_owner_column(alias) == owner, alias.c.key == clause.key, condition)
    return stmt.join_from(_owner_table(owner), alias, on)


def filter_joins(clauses: Sequence[Clause], entity_type: str, key: str) -> bool:
    """Whether :func:`filter_runs` inner-joins the ``(entity_type, key)`` row for ``clauses``."""
    return any(
        c.entity_type == entity_type and c.key == key and c.comparator not in _PRESENCE
        for c in clauses
    )


def _keyed_exists(
    table: Table, owner: ColumnElement[Any], clause: Clause, dialect: str
) -> ColumnElement[bool]:
    """A metric/param/tag clause as a correlated (NOT) EXISTS on the (owner, key) row."""
    row = table.alias()
    present = exists().where(_owner_column(row) == owner, row.c.key == clause.key)
    if clause.comparator == "IS NULL":
        return ~present
    if clause.comparator == "IS NOT NULL":
        return present
    return present.where(_keyed_condition(table, row.c.value, clause, dialect))


def _keyed_condition(
    table: Table, value: ColumnElement[Any], clause: Clause, dialect: str
) -> ColumnElement[bool]:
    if table is models.latest_metrics:
        condition = compare(value, clause.comparator, clause.value, dialect)
        if clause.comparator == "!=":
            condition = or_(value.is_(None), condition)  # NaN (NULL) differs from everything
        return condition
    if clause.comparator == "=" and isinstance(clause.value, str):
        return prefix_equals(value, clause.value)
    return compare(value, clause.comparator, clause.value, dialect)


def prefix_equals(value: ColumnElement[Any], expected: str) -> ColumnElement[bool]:
    """``value = expected`` phrased so the ``(key, substr(value, 1, 200))`` index serves it.

    A plain ``value = :v`` next to the prefix test would let SQLite's constant propagation
    rewrite ``substr(value, ...)`` into a constant and lose the index; so a short value is
    matched by its prefix alone (equal prefixes shorter than the limit mean equal values)
    and a long one by its prefix and its remainder.
    """
    limit = models.VALUE_PREFIX_LENGTH
    if len(expected) < limit:
        return models.value_prefix(value) == expected
    remainder = func.substr(value, literal_column(str(limit + 1)))
    return and_(models.value_prefix(value) == expected[:limit], remainder == expected[limit:])


def _datasets_exist(clauses: Sequence[Clause], dialect: str) -> ColumnElement[bool]:
    """One EXISTS: some dataset input of the run satisfies every dataset clause."""
    inputs, datasets = models.inputs, models.datasets
    subquery = (
        select(inputs.c.input_id)
        .join(datasets, datasets.c.dataset_id == inputs.c.dataset_id)
        .where(inputs.c.run_id == models.runs.c.run_id)
    )
    context = None
    for clause in clauses:
        if clause.key == "context":
            if context is None:
                context = models.input_tags.alias()
                subquery = subquery.join(
                    context,
                    and_(
                        context.c.input_id == inputs.c.input_id,
                        context.c.key == DATASET_CONTEXT_TAG,
                    ),
                )
            column: ColumnElement[Any] = context.c.value
        elif clause.key in _DATASET_COLUMNS:
            column = _DATASET_COLUMNS[clause.key]
        else:
            raise InvalidFilterError(
                f"unknown dataset attribute {clause.key!r}; expected name, digest or context"
            )
        subquery = subquery.where(compare(column, clause.comparator, clause.value, dialect))
    return subquery.exists()


def _outer_value(
    stmt: Select[*_Ts], table: Table, owner: ColumnElement[Any], key: str
) -> tuple[Select[*_Ts], ColumnElement[Any]]:
    alias = table.alias()
    on = and_(_owner_column(alias) == owner, alias.c.key == key)
    return stmt.outerjoin_from(_owner_table(owner), alias, on), alias.c.value


def _direction(column: ColumnElement[Any], *, ascending: bool) -> ColumnElement[Any]:
    return column.asc().nulls_last() if ascending else column.desc().nulls_last()


def _experiment_attribute_condition(clause: Clause, dialect: str) -> ColumnElement[bool]:
    column = _attribute(_EXPERIMENT_ATTRIBUTES, clause.key, "experiments")
    if clause.key != "experiment_id":
        return compare(column, clause.comparator, clause.value, dialect)
    # Ids are integers in the database; a string that is no integer names no experiment.
    value: int | tuple[int, ...] | None
    if isinstance(clause.value, tuple):
        value = tuple(i for i in map(parse_experiment_id, clause.value) if i is not None)
    else:
        value = parse_experiment_id(clause.value)
    if value is None:
        return true() if clause.comparator in {"!=", "NOT IN"} else false()
    return compare(column, clause.comparator, value, dialect)
