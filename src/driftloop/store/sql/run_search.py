"""``search_runs``: one filtered, ordered, paged query, then the page's params, tags, metrics.

The filter and order are compiled by :mod:`driftloop.store.sql.search_compiler`; the page
fetches ``max_results + 1`` rows to know whether a next page exists (MLflow's offset tokens).
On PostgreSQL the same statement carries each run's params, tags and metrics
(:func:`~driftloop.store.sql.run_loading.with_page_data`): a search is one round trip (two
when a prefix plan, below, does not fill its page), each statement a consistent snapshot, run
outside a transaction; on SQLite (in-process, no round trips) one plain query per table
follows. The compiled statement is cached per database by everything it depends on: at 10k
runs building and compiling it cost as much as running it.

On SQLite a filtered search in the default order, or one ordered by a single metric, param or
tag, first tries its prefix plan (:mod:`driftloop.store.sql._search_prefix`): a bounded read
that returns exactly the full query's page when it fills the page, in the same transaction;
otherwise the full query runs. On PostgreSQL only a search ordered by one metric does.

:func:`search_run_records` finds the same page and returns it unbuilt
(:mod:`driftloop.store.sql.run_records`), for the MLflow route.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, select

from driftloop.entities import Page, Run, ViewType
from driftloop.store.search import (
    Clause,
    OrderKey,
    decode_page_token,
    encode_page_token,
    parse_order_by,
    parse_search_filter,
)
from driftloop.store.sql import models
from driftloop.store.sql._search_prefix import prefix_select
from driftloop.store.sql.database import COMPILED_CACHE_SIZE, SqlDatabase
from driftloop.store.sql.ids import parse_experiment_id
from driftloop.store.sql.run_loading import (
    RUN_COLUMNS,
    fetch_page_data,
    with_page_data,
)
from driftloop.store.sql.run_records import (
    RunRecord,
    records_from_page_data,
    records_with_data,
    run_from_record,
)
from driftloop.store.sql.search_compiler import Joined, filter_runs, order_runs
from driftloop.store.validation import validate_max_results

_SearchKey = tuple[str, str, tuple[str, ...], ViewType, tuple[int, ...], int, int]
"""``("search_runs", filter, order_by, view, experiment keys, max_results, offset)``."""


class RunQuery(NamedTuple):
    """What :meth:`RunStore.search_runs` is asked, as it was asked."""

    experiment_ids: Sequence[str]
    filter_string: str | None
    view_type: ViewType | str
    max_results: int
    order_by: Sequence[str] | None
    page_token: str | None


def search_runs(db: SqlDatabase, query: RunQuery) -> Page[Run]:
    """Search runs (see :meth:`RunStore.search_runs`).

    Raises:
        InvalidFilterError: The filter or an order_by item does not parse.
        InvalidParameterError: ``max_results`` is out of range (1..50000).
        InvalidPageTokenError: The page token is invalid.
    """
    page = search_run_records(db, query)
    return Page(tuple(map(run_from_record, page)), page.next_page_token)


def search_run_records(db: SqlDatabase, query: RunQuery) -> Page[RunRecord]:
    """The page :func:`search_runs` finds, as :class:`RunRecord` (no entities built).

    Raises the errors of :func:`search_runs`.
    """
    experiment_ids, filter_string, view_type, max_results, order_by, page_token = query
    validate_max_results(max_results)
    offset = decode_page_token(page_token)
    view = ViewType(view_type)
    keys = _experiment_keys(experiment_ids)
    order = tuple(order_by or ())

    def build() -> Select[Any]:
        clauses = parse_search_filter(filter_string, target="runs")
        order_keys = parse_order_by(order, target="runs")
        stmt = _paged_select(db, keys, clauses, order_keys, view, max_results + 1, offset)
        return with_page_data(stmt) if db.dialect == "postgresql" else stmt

    if not keys:
        build()  # an invalid filter or order is an error even when no experiment matches
        return Page(())
    # Everything the statement and its bound values depend on (a filter string that does
    # not parse raises in build() and is never cached).
    cache_key: _SearchKey = (
        "search_runs",
        filter_string or "",
        order,
        view,
        keys,
        max_results,
        offset,
    )
    with db.read_statements() as conn:
        rows = _prefix_page(db, conn, cache_key, max_results)
        if rows is None:
            rows = db.fetch_cached(conn, cache_key, build)
        page = rows[:max_results]
        if db.dialect == "postgresql":  # the rows carry their runs' data
            found = records_with_data(db, conn, page)
        else:
            data = fetch_page_data(db, conn, [row[0] for row in page])
            found = records_from_page_data(page, data)
    next_token = encode_page_token(offset + max_results) if len(rows) > max_results else None
    return Page(tuple(found), next_token)


def search_statement(
    db: SqlDatabase,
    experiment_ids: Sequence[str],
    clauses: Sequence[Clause],
    order_keys: Sequence[OrderKey],
    view_type: ViewType | str,
    limit: int,
    offset: int,
) -> Select[Any] | None:
    """The filtered, ordered, paged select of :data:`RUN_COLUMNS`; None if no experiment."""
    keys = _experiment_keys(experiment_ids)
    if not keys:
        return None
    return _paged_select(db, keys, clauses, order_keys, ViewType(view_type), limit, offset)


def _prefix_page(
    db: SqlDatabase, conn: Connection, cache_key: _SearchKey, max_results: int
) -> list[tuple[Any, ...]] | None:
    """The page from the prefix plan (:mod:`._search_prefix`), or None.

    None when the search has no prefix plan, or when the plan did not fill the page (then
    only the full query knows the answer).
    """
    plan = _prefix_plan(db.dialect, *cache_key[1:])
    if plan is None:
        return None
    rows = db.fetch_cached(conn, ("search_runs_prefix", *cache_key[1:]), lambda: plan)
    return rows if len(rows) > max_results else None


@functools.lru_cache(maxsize=COMPILED_CACHE_SIZE)
def _prefix_plan(
    dialect: str,
    filter_string: str,
    order: tuple[str, ...],
    view: ViewType,
    keys: tuple[int, ...],
    max_results: int,
    offset: int,
) -> Select[Any] | None:
    clauses = parse_search_filter(filter_string, target="runs")
    order_keys = parse_order_by(order, target="runs")
    plan = prefix_select(keys, clauses, order_keys, view, max_results + 1, offset, dialect=dialect)
    if plan is None or dialect != "postgresql":
        return plan
    return with_page_data(plan)  # as the full query: its rows carry their runs' data


def _experiment_keys(experiment_ids: Sequence[str]) -> tuple[int, ...]:
    return tuple(sorted({k for k in map(parse_experiment_id, experiment_ids) if k is not None}))


def _paged_select(
    db: SqlDatabase,
    keys: Sequence[int],
    clauses: Sequence[Clause],
    order_keys: Sequence[OrderKey],
    view: ViewType,
    limit: int,
    offset: int,
) -> Select[Any]:
    runs = models.runs.c
    stmt = select(*RUN_COLUMNS).where(runs.experiment_id.in_(keys))
    stages = view.stages()
    if len(stages) == 1:
        stmt = stmt.where(runs.lifecycle_stage == next(iter(stages)).value)
    joined: Joined = {}
    stmt = filter_runs(stmt, clauses, db.dialect, joined)
    return order_runs(stmt, order_keys, joined).limit(limit).offset(offset)
