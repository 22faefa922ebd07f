"""Tests for ``driftloop.store.sql.search_compiler``: SQL shape, index use, NaN semantics."""

from __future__ import annotations

import math
import uuid

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Dialect

from driftloop.entities import Metric, Param, RunTag
from driftloop.store.search import parse_order_by, parse_search_filter
from driftloop.store.sql import SqlStores
from driftloop.store.sql.run_loading import RUN_COLUMNS
from driftloop.store.sql.search_compiler import Joined, filter_runs, like_to_glob, order_runs


@pytest.mark.parametrize(
    ("pattern", "glob"),
    [
        ("abc", "abc"),
        ("a%", "a*"),
        ("a_c", "a?c"),
        ("%*?[x]", "*[*][?][[]x]"),
    ],
)
def test_like_to_glob(pattern: str, glob: str) -> None:
    assert like_to_glob(pattern) == glob


_DIALECTS: dict[str, Dialect] = {
    # create_engine makes no connection; it is the typed way to get a dialect object.
    "sqlite": create_engine("sqlite://").dialect,
    "postgresql": create_engine("postgresql+psycopg://").dialect,
}


def _sql(filter_string: str, order_by: list[str] | None = None, dialect: str = "sqlite") -> str:
    joined: Joined = {}
    stmt = filter_runs(select(*RUN_COLUMNS), parse_search_filter(filter_string), dialect, joined)
    stmt = order_runs(stmt, parse_order_by(order_by), joined)
    sql_dialect = _DIALECTS[dialect]
    return str(stmt.compile(dialect=sql_dialect))


def test_each_clause_joins_only_its_table() -> None:
    sql = _sql("metrics.acc > 0.5 AND params.lr = '0.1'")
    assert sql.count("JOIN latest_metrics") == 1
    assert sql.count("JOIN params") == 1
    assert "tags" not in sql


def test_clauses_and_order_on_the_same_key_share_one_join() -> None:
    sql = _sql("metrics.acc > 0.5 AND metrics.acc < 0.9", ["metrics.acc DESC"])
    assert sql.count("JOIN latest_metrics") == 1
    assert "LEFT OUTER JOIN" not in sql


def test_order_on_an_unfiltered_key_is_an_outer_join_with_nulls_last() -> None:
    sql = _sql("", ["metrics.loss", "params.lr DESC"])
    assert sql.count("LEFT OUTER JOIN") == 2
    assert "ASC NULLS LAST" in sql
    assert "DESC NULLS LAST" in sql
    assert sql.rstrip().endswith("runs.run_id ASC")


def test_is_null_is_a_not_exists() -> None:
    assert "NOT (EXISTS" in _sql("tags.team IS NULL")


def test_sqlite_like_is_glob_and_ilike_is_lower_like() -> None:
    assert "GLOB" in _sql("params.model LIKE 'ab%'")
    assert "lower(params_1.value) LIKE lower(" in _sql("params.model ILIKE 'ab%'")
    assert "ILIKE" in _sql("params.model ILIKE 'ab%'", dialect="postgresql")


def test_sqlite_uses_the_value_prefix_index_for_equality(sqlite_stores: SqlStores) -> None:
    """Regression: ``value = :v`` beside the prefix test let SQLite fold the prefix away."""
    sql = _sql("params.lr = '0.01'")
    with sqlite_stores.database.read() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", ("lr", "0.01"))
        )
    assert "ix_params_key_value_prefix (key=? AND <expr>=?)" in plan


@pytest.fixture
def seeded(stores: SqlStores) -> tuple[SqlStores, str, dict[str, str]]:
    experiment_id = stores.experiments.create_experiment(f"search-{uuid.uuid4().hex}")
    ids = {}
    values = {"one": 1.0, "nan": math.nan, "three": 3.0, "none": None}
    for name, value in values.items():
        run_id = stores.runs.create_run(experiment_id, run_name=name).run_id
        ids[name] = run_id
        long_value = "x" * 250 + name
        stores.runs.log_batch(
            run_id,
            metrics=[] if value is None else [Metric("acc", value, 1)],
            params=[Param("long", long_value), Param("model", "Abc" if name == "one" else "abc")],
            tags=[RunTag("team", name)],
        )
    return stores, experiment_id, ids


def _names(
    seeded: tuple[SqlStores, str, dict[str, str]], *args: object, **kwargs: object
) -> list[str]:
    stores, experiment_id, ids = seeded
    by_id = {run_id: name for name, run_id in ids.items()}
    page = stores.runs.search_runs([experiment_id], *args, **kwargs)  # type: ignore[arg-type]
    return [by_id[run.run_id] for run in page]


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("metrics.acc > 0", {"one", "three"}),
        ("metrics.acc <= 3", {"one", "three"}),
        ("metrics.acc = 1", {"one"}),
        ("metrics.acc != 1", {"nan", "three"}),
        ("params.model LIKE 'a%'", {"nan", "three", "none"}),
        ("params.model ILIKE 'a%'", {"one", "nan", "three", "none"}),
        ("params.model = 'Abc'", {"one"}),
        (f"params.long = '{'x' * 250}one'", {"one"}),
        (f"params.long = '{'x' * 250}'", set()),
        (f"params.long != '{'x' * 250}one'", {"nan", "three", "none"}),
    ],
)
def test_filters(
    seeded: tuple[SqlStores, str, dict[str, str]], filter_string: str, expected: set[str]
) -> None:
    assert set(_names(seeded, filter_string)) == expected


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_nan_and_missing_metrics_sort_last(
    seeded: tuple[SqlStores, str, dict[str, str]], direction: str
) -> None:
    names = _names(seeded, "", order_by=[f"metrics.acc {direction}"])
    numbers = ["one", "three"] if direction == "ASC" else ["three", "one"]
    assert names[:2] == numbers
    assert set(names[2:]) == {"nan", "none"}


def test_non_numeric_experiment_ids_match_nothing(
    seeded: tuple[SqlStores, str, dict[str, str]],
) -> None:
    stores, _, _ = seeded
    assert len(stores.runs.search_runs(["abc", "-1", "99999999999"])) == 0
    page = stores.experiments.search_experiments(filter_string="attributes.experiment_id = 'x'")
    assert len(page) == 0
