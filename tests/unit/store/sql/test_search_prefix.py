"""Tests for ``driftloop.store.sql._search_prefix``: a filled page equals the full query's page.

The data has what makes a prefix boundary treacherous: tied metric values and start times,
NaN and missing metrics, deleted runs, a second experiment whose runs interleave in the key
indexes, and param values longer than the 200-character indexed prefix that share it.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from driftloop.entities import Metric, Param, RunTag, ViewType
from driftloop.store.search import parse_order_by, parse_search_filter
from driftloop.store.sql import SqlStores, open_sql_stores
from driftloop.store.sql._search_prefix import FILTER_BUDGET, ORDER_BUDGET, prefix_select
from driftloop.store.sql.run_search import RunQuery, search_statement
from driftloop.testing import postgres_base_url, require_postgres, temporary_postgres_database

POSTGRES_BASE_URL = postgres_base_url()
_LONG = "x" * 250
_MODELS = ("gbm", "rf", _LONG + "a", _LONG + "b", "x" * 200, "x" * 199)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SqlStores, list[int]]]:
    """Stores over a SQLite file with 150 + 60 runs in two experiments, and their int ids."""
    yield from _seed(tmp_path_factory, analyze=False)


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SqlStores, list[int]]]:
    """The same data after ``ANALYZE``: the planner then has ``sqlite_stat1`` statistics."""
    yield from _seed(tmp_path_factory, analyze=True)


@pytest.fixture(scope="module")
def postgres_seeded(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[SqlStores, list[int]]]:
    """The same data in a new PostgreSQL database, after ``ANALYZE``."""
    require_postgres(POSTGRES_BASE_URL)
    with temporary_postgres_database(POSTGRES_BASE_URL, label="prefix") as url:
        yield from _seed(tmp_path_factory, analyze=True, url=url)


def _seed(
    tmp_path_factory: pytest.TempPathFactory, *, analyze: bool, url: str | None = None
) -> Iterator[tuple[SqlStores, list[int]]]:
    root = tmp_path_factory.mktemp("prefix")
    stores = open_sql_stores(url or f"sqlite:///{root / 'tracking.db'}", (root / "art").as_uri())
    rng = random.Random(7)  # noqa: S311 - test data
    experiment_ids = [stores.experiments.create_experiment(name) for name in ("a", "b")]
    for index in range(210):
        experiment = experiment_ids[0] if index < 150 else experiment_ids[1]
        run_id = stores.runs.create_run(
            experiment, start_time=1_000 * (index // 3), run_name=f"run-{index}"
        ).info.run_id
        metrics = [Metric("loss", rng.random(), 0, 0)]
        if index % 13:
            acc = math.nan if index % 11 == 0 else round(rng.random(), 1)
            metrics.append(Metric("acc", acc, 0, 0))
        params = [Param("model", rng.choice(_MODELS))]
        if index % 7:
            params.append(Param("lr", rng.choice(("0.1", "0.01"))))
        tags = [RunTag("team", rng.choice(("a", "b", "c")))]
        stores.runs.log_batch(run_id, metrics=metrics, params=params, tags=tags)
        if index % 17 == 0:
            stores.runs.delete_run(run_id)
    if analyze:
        with stores.database.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as conn:
            conn.execute(text("ANALYZE"))
    try:
        yield stores, [int(e) for e in experiment_ids]
    finally:
        stores.close()


def _rows(stores: SqlStores, stmt: Any) -> list[tuple[Any, ...]]:
    db = stores.database
    with db.read() as conn:
        return db.fetch_all(conn, stmt)


_CASES = [
    ("metrics.acc > 0.3", []),
    ("metrics.acc > 0.3 AND params.model = 'gbm'", []),
    ("params.lr = '0.1' AND tags.team != 'c'", []),
    ("metrics.loss < 0.05", []),
    ("", ["metrics.acc DESC"]),
    ("", ["metrics.`acc` ASC"]),
    ("", ["params.model DESC"]),
    ("", ["params.model ASC"]),
    ("", ["tags.team ASC"]),
    ("params.lr = '0.01'", ["metrics.acc DESC"]),
    ("metrics.loss > 0.5", ["params.model ASC"]),
    ("metrics.acc != 0.5", ["metrics.loss DESC"]),
    ("params.lr IS NULL", ["metrics.loss ASC"]),
    ("params.lr IS NOT NULL AND attributes.status = 'RUNNING'", []),
    ("attributes.run_name LIKE 'run-1%'", ["tags.team DESC"]),
]


_METRIC_ORDERED = [case for case in _CASES if case[1] and case[1][0].startswith("metrics.")]
"""The searches that have a prefix plan on PostgreSQL too."""


@pytest.mark.parametrize(
    ("data", "filter_string", "order_by"),
    [pytest.param("seeded", *case) for case in _CASES]
    + [
        pytest.param("postgres_seeded", *case, marks=pytest.mark.postgres)
        for case in _METRIC_ORDERED
    ],
)
def test_a_filled_prefix_page_is_the_full_querys_page(
    request: pytest.FixtureRequest, data: str, filter_string: str, order_by: list[str]
) -> None:
    stores, experiments = request.getfixturevalue(data)
    dialect = stores.database.dialect
    clauses = parse_search_filter(filter_string, target="runs")
    order_keys = parse_order_by(order_by, target="runs")
    filled = 0
    for keys, view, (limit, offset), budget in itertools.product(
        ([experiments[0]], experiments),
        (ViewType.ACTIVE_ONLY, ViewType.ALL),
        ((6, 0), (6, 30), (21, 10)),
        (1, 9, 60, 400),
    ):
        plan = prefix_select(
            keys, clauses, order_keys, view, limit, offset, rows=budget, dialect=dialect
        )
        assert plan is not None
        full = search_statement(
            stores.database, [str(k) for k in keys], clauses, order_keys, view, limit, offset
        )
        page = _rows(stores, plan)
        if len(page) == limit:
            filled += 1
            assert page == _rows(stores, full), (keys, view, limit, offset, budget)
        else:
            assert len(page) < limit
    # every case fills some pages from a long enough prefix (the selective one only the first)
    assert filled >= 2


@pytest.mark.postgres
def test_postgresql_store_pages_through_a_metric_order_as_the_full_query(
    postgres_seeded: tuple[SqlStores, list[int]],
) -> None:
    """Every page of the store's search (prefix plan where it fills, then the full query)."""
    stores, experiments = postgres_seeded
    ids = [str(k) for k in experiments]
    seen: list[str] = []
    token: str | None = None
    while True:
        page = stores.runs.search_run_records(
            RunQuery(ids, "", ViewType.ALL, 7, ["metrics.acc DESC"], token)
        )
        seen += [record.row[0] for record in page]
        token = page.next_page_token
        if token is None:
            break
    full = search_statement(
        stores.database,
        ids,
        [],
        parse_order_by(["metrics.acc DESC"], target="runs"),
        ViewType.ALL,
        1_000,
        0,
    )
    assert full is not None
    assert seen == [row[0] for row in _rows(stores, full)]
    assert len(seen) == 210


@pytest.mark.parametrize(
    ("filter_string", "order_by"),
    [("metrics.acc > 0.3", []), ("", ["params.model DESC"]), ("", ["tags.team ASC"])],
)
def test_postgresql_has_no_other_prefix_plans(filter_string: str, order_by: list[str]) -> None:
    clauses = parse_search_filter(filter_string, target="runs")
    order_keys = parse_order_by(order_by, target="runs")
    plan = prefix_select([1], clauses, order_keys, ViewType.ALL, 51, 0, dialect="postgresql")
    assert plan is None


@pytest.mark.parametrize(
    ("filter_string", "order_by"),
    [
        ("", []),  # the runs index already serves it
        ("", ["metrics.acc DESC", "params.lr ASC"]),  # ties of the first key reordered
        ("", ["attributes.start_time ASC"]),
        ("metrics.acc > 0.2", ["metrics.acc DESC"]),  # ordered from the filter's own join
    ],
)
def test_searches_without_a_prefix_plan(filter_string: str, order_by: list[str]) -> None:
    clauses = parse_search_filter(filter_string, target="runs")
    order_keys = parse_order_by(order_by, target="runs")
    assert prefix_select([1], clauses, order_keys, ViewType.ACTIVE_ONLY, 51, 0) is None


def test_the_prefix_grows_with_the_page_depth_up_to_its_limit() -> None:
    assert FILTER_BUDGET.rows(51, 0) == 1_020
    assert FILTER_BUDGET.rows(5, 0) == 1_000
    assert FILTER_BUDGET.rows(51, 449) == 10_000
    assert FILTER_BUDGET.rows(51, 450) is None
    assert ORDER_BUDGET.rows(51, 2_000) == 8_204
    assert ORDER_BUDGET.rows(51, 20_000) is None


def test_deep_pages_skip_the_prefix_plan() -> None:
    clauses = parse_search_filter("metrics.acc > 0.5", target="runs")
    order_keys = parse_order_by(["metrics.loss DESC"], target="runs")
    view = ViewType.ACTIVE_ONLY
    assert prefix_select([1], clauses, [], view, 51, 449) is not None
    assert prefix_select([1], clauses, [], view, 51, 450) is None
    assert prefix_select([1], clauses, order_keys, view, 51, 12_000) is not None
    assert prefix_select([1], clauses, order_keys, view, 51, 13_000) is None


@pytest.mark.parametrize("data", ["seeded", "analyzed"])
@pytest.mark.parametrize(
    ("filter_string", "order_by", "first_read"),
    [
        (
            "metrics.acc > 0.5 AND params.model = 'gbm'",
            [],
            "ix_runs_experiment_id_lifecycle_stage_start_time",
        ),
        ("tags.team = 'a'", ["metrics.acc DESC"], "ix_latest_metrics_key_value"),
        ("", ["params.model ASC"], "ix_params_key_value_prefix"),
    ],
)
def test_sqlite_reads_the_prefix_from_its_index_then_probes_by_primary_key(
    request: pytest.FixtureRequest,
    data: str,
    filter_string: str,
    order_by: list[str],
    first_read: str,
) -> None:
    stores, experiments = request.getfixturevalue(data)
    plan = prefix_select(
        experiments[:1],
        parse_search_filter(filter_string, target="runs"),
        parse_order_by(order_by, target="runs"),
        ViewType.ACTIVE_ONLY,
        51,
        0,
    )
    assert plan is not None
    engine = stores.database.engine
    sql = str(plan.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        steps = [str(row[3]) for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql))]
    assert first_read in steps[1], steps
    # then, per prefix row, primary-key probes only (runs and the filter's tables), whatever
    # statistics the planner has
    probes = steps[steps.index("SCAN prefix") + 1 :]
    assert probes[0].startswith("SEARCH runs USING PRIMARY KEY"), steps
    for step in probes:
        assert "USING PRIMARY KEY" in step or step.startswith(("CORRELATED", "USE TEMP")), steps


@pytest.mark.parametrize(
    ("filter_string", "order_by"),
    [
        ("metrics.acc > 0.3 AND params.model = 'gbm'", []),
        ("", ["metrics.acc DESC"]),
        ("", ["params.model ASC"]),
        ("tags.team = 'a'", ["metrics.acc ASC"]),
    ],
)
def test_store_pages_equal_the_full_query(
    seeded: tuple[SqlStores, list[int]], filter_string: str, order_by: list[str]
) -> None:
    stores, experiments = seeded
    keys = [str(experiments[0])]
    full = search_statement(
        stores.database,
        keys,
        parse_search_filter(filter_string, target="runs"),
        parse_order_by(order_by, target="runs"),
        ViewType.ACTIVE_ONLY,
        1_000,
        0,
    )
    expected = [row[0] for row in _rows(stores, full)]
    found: list[str] = []
    token = None
    while True:
        page = stores.runs.search_runs(
            keys, filter_string, max_results=7, order_by=order_by, page_token=token
        )
        found += [run.info.run_id for run in page.items]
        token = page.next_page_token
        if token is None:
            break
    assert found == expected
    assert len(expected) > 7
