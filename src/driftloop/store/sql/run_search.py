"""``search_runs``: one filtered, ordered, paged query, then one load query per table.

The filter and order are compiled by :mod:`driftloop.store.sql.search_compiler`; the page
fetches ``max_results + 1`` rows to know whether a next page exists (MLflow's offset tokens).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from driftloop.entities import Page, Run, ViewType
from driftloop.store.search import (
    decode_page_token,
    encode_page_token,
    parse_order_by,
    parse_search_filter,
)
from driftloop.store.sql import models
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.ids import parse_experiment_id
from driftloop.store.sql.run_loading import RUN_COLUMNS, load_runs, run_info_from_row
from driftloop.store.sql.search_compiler import Joined, filter_runs, order_runs
from driftloop.store.validation import validate_max_results


def search_runs(
    db: SqlDatabase,
    experiment_ids: Sequence[str],
    filter_string: str | None,
    view_type: ViewType | str,
    max_results: int,
    order_by: Sequence[str] | None,
    page_token: str | None,
) -> Page[Run]:
    """Search runs of ``experiment_ids`` (see :meth:`RunStore.search_runs`).

    Raises:
        InvalidFilterError: The filter or an order_by item does not parse.
        InvalidParameterError: ``max_results`` is out of range (1..50000).
        InvalidPageTokenError: The page token is invalid.
    """
    validate_max_results(max_results)
    offset = decode_page_token(page_token)
    clauses = parse_search_filter(filter_string, target="runs")
    order_keys = parse_order_by(order_by, target="runs")
    stages = ViewType(view_type).stages()
    keys = sorted({k for k in (parse_experiment_id(e) for e in experiment_ids) if k is not None})
    if not keys:
        return Page(())
    runs = models.runs.c
    stmt = select(*RUN_COLUMNS).where(runs.experiment_id.in_(keys))
    if len(stages) == 1:
        stmt = stmt.where(runs.lifecycle_stage == next(iter(stages)).value)
    joined: Joined = {}
    stmt = filter_runs(stmt, clauses, db.dialect, joined)
    stmt = order_runs(stmt, order_keys, joined).limit(max_results + 1).offset(offset)
    with db.read() as conn:
        rows = db.fetch_all(conn, stmt)
        infos = [run_info_from_row(row) for row in rows[:max_results]]
        found = load_runs(db, conn, infos)
    next_token = encode_page_token(offset + max_results) if len(rows) > max_results else None
    return Page(tuple(found), next_token)
