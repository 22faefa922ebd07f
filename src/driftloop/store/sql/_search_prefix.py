"""Search plans that read an ordered prefix of an index first: a full page or nothing.

SQLite plans a search without statistics of value ranges, and a ``LEFT JOIN`` fixes its join
order. At 100,000 runs in one experiment that cost ~150 ms for ``metrics.acc > 0.5 AND
params.model = 'gbm'`` in the default order (50,000 ``(key, value)`` index entries read, 10,000
matching runs sorted to return 51) and ~300 ms for ``order_by metrics.acc DESC`` (every run of
the experiment outer-joined to its metric and sorted), where a page needs a few hundred rows.

A *prefix plan* first reads the leading ``budget`` entries of an index in the page's order:

- default order, with a filter: the experiment's runs by ``start_time DESC, run_id``, from the
  ``runs (experiment_id, lifecycle_stage, start_time)`` index;
- one ``order_by`` on a metric, param or tag the filter does not join: the key's non-NULL
  values by ``value, run_id``, from the ``(key, value)`` (or ``(key, value prefix)``) index.

It then joins the rest of the search (experiment, lifecycle stage, filter) to those entries,
orders them by the search's own order and pages. The prefix is a prefix of the search's total
order (and missing or NaN values, which sort last, are never in it), so a page filled from it
is exactly the page of the full query. A page that does not fill (a selective filter, the last
page, a key mostly logged by other experiments) is no answer: the caller runs the full query,
having spent at most the budget.

PostgreSQL plans filters well from its statistics, but a page ordered by a metric outer-joins
every run of the experiment to the metric and sorts them all (~117 ms at 100,000 runs), since
runs without the metric must come last: there only the metric-ordered plan is used. Param and
tag values are not ordered through their prefix there, since under a linguistic collation the
order of 200-character prefixes is not the order of the values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, Table, select

from driftloop.entities import ViewType
from driftloop.store.search import Clause, OrderKey
from driftloop.store.sql import models
from driftloop.store.sql.run_loading import RUN_COLUMNS
from driftloop.store.sql.search_compiler import filter_joins, filter_runs


@dataclass(frozen=True, slots=True)
class PrefixBudget:
    """How long a prefix is read for a page, and past which length the plan is not tried.

    Attributes:
        min_rows: The shortest prefix (a few milliseconds on SQLite).
        rows_per_result: Prefix rows per row up to the page's end.
        max_rows: The longest prefix; a deeper page goes straight to the full query.
    """

    min_rows: int
    rows_per_result: int
    max_rows: int

    def rows(self, limit: int, offset: int) -> int | None:
        """The prefix length for rows ``offset .. offset + limit``; None to skip the plan."""
        rows = max(self.min_rows, self.rows_per_result * (offset + limit))
        return rows if rows <= self.max_rows else None


FILTER_BUDGET = PrefixBudget(min_rows=1_000, rows_per_result=20, max_rows=10_000)
"""Default order with a filter: fills the page when 1 run in 20 matches. Each prefix run costs
~4.5 us (its primary-key probes), and the full query reads the clauses' index ranges at ~3 us
a row: at 100k runs a 10,000-run prefix (45 ms) is still well under the full query (~150 ms)."""
ORDER_BUDGET = PrefixBudget(min_rows=1_000, rows_per_result=4, max_rows=50_000)
"""Ordered by a key: fills the page when the experiment holds 1 in 4 of the key's leading
values. A prefix entry costs ~1.7 us; the full query sorts every run of the experiment."""

_ORDERABLE_TABLES: dict[str, Table] = {
    "metric": models.latest_metrics,
    "param": models.params,
    "tag": models.tags,
}


def prefix_select(
    keys: Sequence[int],
    clauses: Sequence[Clause],
    order_keys: Sequence[OrderKey],
    view: ViewType,
    limit: int,
    offset: int,
    rows: int | None = None,
    dialect: str = "sqlite",
) -> Select[Any] | None:
    """The prefix plan of a search, or None when the search has no useful one.

    Args:
        keys: Experiment ids (at least one).
        clauses: The parsed filter.
        order_keys: The parsed ``order_by``.
        view: Which lifecycle stages to return.
        limit: Rows to return (the page size plus one, to detect a next page).
        offset: Rows to skip.
        rows: The prefix length; by default :data:`FILTER_BUDGET` or :data:`ORDER_BUDGET`.
        dialect: ``sqlite`` or ``postgresql`` (only searches ordered by a metric there).

    Returns:
        A select of :data:`RUN_COLUMNS` whose result is the full search's result when it holds
        ``limit`` rows, and means nothing otherwise.
    """
    if len(order_keys) > 1:
        return None
    if dialect != "sqlite" and (not order_keys or order_keys[0].entity_type != "metric"):
        return None
    default = FILTER_BUDGET if not order_keys else ORDER_BUDGET
    budget = default.rows(limit, offset) if rows is None else rows
    if budget is None:
        return None
    runs = models.runs.c
    stage_conditions = _run_conditions(keys, view)
    if not order_keys:
        if not clauses:
            return None  # the runs index alone already serves this page
        prefix = (
            select(runs.run_id)
            .where(*stage_conditions)
            .order_by(runs.start_time.desc(), runs.run_id.asc())
            .limit(budget)
            .subquery("prefix")
        )
        stmt = filter_runs(_joined_to_runs(prefix), clauses, dialect, correlated=True)
        stmt = stmt.order_by(runs.start_time.desc(), runs.run_id.asc())
        return stmt.limit(limit).offset(offset)
    order = order_keys[0]
    table = _ORDERABLE_TABLES.get(order.entity_type)
    if table is None or filter_joins(clauses, order.entity_type, order.key):
        return None  # the full query orders from the filter's join, read from the index
    prefix = _value_prefix(table, order.key, ascending=order.ascending, rows=budget)
    stmt = _joined_to_runs(prefix).where(*stage_conditions)
    stmt = filter_runs(stmt, clauses, dialect, correlated=True)
    value = prefix.c.value
    stmt = stmt.order_by(value.asc() if order.ascending else value.desc(), runs.run_id.asc())
    return stmt.limit(limit).offset(offset)


def _run_conditions(keys: Sequence[int], view: ViewType) -> list[ColumnElement[bool]]:
    runs = models.runs.c
    conditions: list[ColumnElement[bool]] = [runs.experiment_id.in_(keys)]
    stages = view.stages()
    if len(stages) == 1:
        conditions.append(runs.lifecycle_stage == next(iter(stages)).value)
    return conditions


def _joined_to_runs(prefix: Subquery) -> Select[Any]:
    """Runs looked up by primary key from the prefix (SQLite scans the materialized prefix)."""
    runs = models.runs
    return select(*RUN_COLUMNS).select_from(prefix.join(runs, runs.c.run_id == prefix.c.run_id))


def _value_prefix(table: Table, key: str, *, ascending: bool, rows: int) -> Subquery:
    """The first ``rows`` non-NULL values of ``key`` in ``(value, run_id)`` order.

    Param and tag values are indexed by their 200-character prefix: ordering by the prefix and
    then the full value is the order of the full value (binary collation), and lets SQLite
    read the index in order, sorting only values that share a prefix.
    """
    value = table.c.value
    order: list[ColumnElement[Any]] = []
    if table is not models.latest_metrics:
        indexed = models.value_prefix(value)
        order.append(indexed.asc() if ascending else indexed.desc())
    order += [value.asc() if ascending else value.desc(), table.c.run_id.asc()]
    return (
        select(table.c.run_id, value)
        .where(table.c.key == key, value.is_not(None))
        .order_by(*order)
        .limit(rows)
        .subquery("prefix")
    )
