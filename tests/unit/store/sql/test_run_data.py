"""Tests for ``log_batch``'s bulk writes (``driftloop.store.sql.run_data``) on both databases."""

from __future__ import annotations

import math
import re

import pytest
from sqlalchemy import Table, func, select

from driftloop.entities import RUN_NAME_TAG, Metric, Param, RunTag
from driftloop.errors import (
    InvalidParameterError,
    ParamOverwriteError,
    RunNotActiveError,
    RunNotFoundError,
)
from driftloop.store.sql import SqlStores, models

NAN = float("nan")


def _count(stores: SqlStores, table: Table, run_id: str) -> int:
    with stores.database.read() as conn:
        return conn.execute(
            select(func.count()).select_from(table).where(table.c.run_id == run_id)
        ).scalar_one()


def _new_run(stores: SqlStores) -> str:
    return stores.runs.create_run("0", run_name="r").run_id


@pytest.mark.parametrize(
    ("bad_params", "message"),
    [
        ([Param("a", "1"), Param("b", "x" * 6001)], "param 'b' has a value of 6001"),
        ([Param("a", "1"), Param("a", "2")], "param 'a' is given twice"),
    ],
)
def test_a_failing_batch_writes_nothing(
    stores: SqlStores, bad_params: list[Param], message: str
) -> None:
    run_id = _new_run(stores)
    tags_before = _count(stores, models.tags, run_id)
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        stores.runs.log_batch(
            run_id,
            metrics=[Metric("m", 1.0, 1, 0)],
            params=bad_params,
            tags=[RunTag("t", "v")],
        )
    assert _count(stores, models.metrics, run_id) == 0
    assert _count(stores, models.latest_metrics, run_id) == 0
    assert _count(stores, models.params, run_id) == 0
    assert _count(stores, models.tags, run_id) == tags_before


def test_a_param_overwrite_in_the_database_rolls_the_batch_back(stores: SqlStores) -> None:
    run_id = _new_run(stores)
    stores.runs.log_batch(run_id, params=[Param("lr", "0.1")])
    with pytest.raises(
        ParamOverwriteError, match=r"param 'lr' .* value '0.1'; changing it to '0.2'"
    ):
        stores.runs.log_batch(
            run_id, metrics=[Metric("m", 1.0, 1)], params=[Param("new", "x"), Param("lr", "0.2")]
        )
    assert _count(stores, models.metrics, run_id) == 0
    assert stores.runs.get_run(run_id).data.params == {"lr": "0.1"}


def test_logging_the_same_param_value_again_is_a_no_op(stores: SqlStores) -> None:
    run_id = _new_run(stores)
    stores.runs.log_batch(run_id, params=[Param("lr", "0.1"), Param("lr", "0.1")])
    stores.runs.log_batch(run_id, params=[Param("lr", "0.1")])
    assert stores.runs.get_run(run_id).data.params == {"lr": "0.1"}


def test_nan_and_infinities_round_trip(stores: SqlStores) -> None:
    run_id = _new_run(stores)
    points = [
        Metric("m", NAN, 10, 0),
        Metric("m", math.inf, 11, 1),
        Metric("m", -math.inf, 12, 2),
        Metric("m", -0.5, 13, 3),
    ]
    stores.runs.log_batch(run_id, metrics=points)
    history = stores.runs.get_metric_history(run_id, "m")
    assert math.isnan(history[0].value)
    assert [p.value for p in history[1:]] == [math.inf, -math.inf, -0.5]
    assert stores.runs.get_run(run_id).data.metrics == {"m": -0.5}


def test_nan_is_stored_with_a_flag_and_as_null_latest(stores: SqlStores) -> None:
    run_id = _new_run(stores)
    stores.runs.log_batch(run_id, metrics=[Metric("m", NAN, 10, 5)])
    with stores.database.read() as conn:
        point = conn.execute(
            select(models.metrics.c.is_nan, models.metrics.c.value).where(
                models.metrics.c.run_id == run_id
            )
        ).one()
        latest = conn.execute(
            select(models.latest_metrics.c.value).where(models.latest_metrics.c.run_id == run_id)
        ).scalar_one()
    assert tuple(point) == (True, 0.0)
    assert latest is None
    assert math.isnan(stores.runs.get_run(run_id).data.metrics["m"])


@pytest.mark.parametrize(
    ("first", "second", "latest_value"),
    [
        (Metric("m", 1.0, 100, 5), Metric("m", 2.0, 50, 6), 2.0),  # higher step wins
        (Metric("m", 1.0, 100, 5), Metric("m", 2.0, 90, 4), 1.0),  # lower step loses
        (Metric("m", 1.0, 100, 5), Metric("m", 2.0, 101, 5), 2.0),  # then later timestamp
        (Metric("m", 1.0, 100, 5), Metric("m", 2.0, 99, 5), 1.0),
        (Metric("m", 1.0, 100, 5), Metric("m", 2.0, 100, 5), 2.0),  # then higher value
        (Metric("m", 3.0, 100, 5), Metric("m", 2.0, 100, 5), 3.0),
        (Metric("m", 3.0, 100, 5), Metric("m", NAN, 100, 5), 3.0),  # NaN never wins a tie
        (Metric("m", NAN, 100, 5), Metric("m", 3.0, 100, 5), NAN),
        (Metric("m", NAN, 100, 5), Metric("m", 3.0, 100, 6), 3.0),
    ],
)
@pytest.mark.parametrize("same_batch", [True, False])
def test_latest_metric_follows_mlflows_rule(
    stores: SqlStores, first: Metric, second: Metric, latest_value: float, *, same_batch: bool
) -> None:
    run_id = _new_run(stores)
    if same_batch:
        stores.runs.log_batch(run_id, metrics=[first, second])
    else:
        stores.runs.log_batch(run_id, metrics=[first])
        stores.runs.log_batch(run_id, metrics=[second])
    value = stores.runs.get_run(run_id).data.metrics["m"]
    assert math.isnan(value) if math.isnan(latest_value) else value == latest_value


def test_identical_points_are_stored_once_but_distinct_values_are_kept(
    stores: SqlStores,
) -> None:
    run_id = _new_run(stores)
    point = Metric("m", 1.0, 100, 1)
    stores.runs.log_batch(run_id, metrics=[point, point])
    stores.runs.log_batch(run_id, metrics=[point, Metric("m", 2.0, 100, 1)])
    history = stores.runs.get_metric_history(run_id, "m")
    assert [(p.step, p.timestamp, p.value) for p in history] == [(1, 100, 1.0), (1, 100, 2.0)]


def test_run_name_tag_renames_the_run(stores: SqlStores) -> None:
    run_id = _new_run(stores)
    stores.runs.log_batch(run_id, tags=[RunTag(RUN_NAME_TAG, "first"), RunTag(RUN_NAME_TAG, "new")])
    run = stores.runs.get_run(run_id)
    assert run.info.run_name == "new"
    assert run.data.tags[RUN_NAME_TAG] == "new"


def test_64_bit_steps_and_timestamps(stores: SqlStores) -> None:
    run_id = _new_run(stores)
    big = 2**63 - 1
    stores.runs.log_batch(run_id, metrics=[Metric("m", 1.0, big, -big)])
    (point,) = stores.runs.get_metric_history(run_id, "m")
    assert (point.timestamp, point.step) == (big, -big)


def test_deleted_and_missing_runs_refuse_batches(stores: SqlStores) -> None:
    run_id = _new_run(stores)
    stores.runs.delete_run(run_id)
    with pytest.raises(RunNotActiveError, match=run_id):
        stores.runs.log_batch(run_id, metrics=[Metric("m", 1.0, 1)])
    with pytest.raises(RunNotFoundError, match="nope"):
        stores.runs.log_batch("nope", metrics=[Metric("m", 1.0, 1)])


def test_full_batch_of_mixed_entities(stores: SqlStores) -> None:
    run_id = _new_run(stores)
    stores.runs.log_batch(
        run_id,
        metrics=[Metric(f"m{i % 10}", float(i), 1000 + i, i) for i in range(800)],
        params=[Param(f"p{i}", str(i)) for i in range(100)],
        tags=[RunTag(f"t{i}", "v") for i in range(100)],
    )
    run = stores.runs.get_run(run_id)
    assert len(run.data.params) == 100
    assert run.data.metrics["m9"] == 799.0
    assert _count(stores, models.metrics, run_id) == 800
    page = stores.runs.get_metric_history(run_id, "m3", max_results=30)
    assert [p.step for p in page] == list(range(3, 300, 10))
    assert page.next_page_token is not None
    rest = stores.runs.get_metric_history(run_id, "m3", page_token=page.next_page_token)
    assert [p.step for p in rest] == list(range(303, 800, 10))
    assert rest.next_page_token is None


def test_a_retried_batch_stores_only_what_is_new(stores: SqlStores) -> None:
    """On PostgreSQL the COPY of a batch with a stored point fails and is redone with INSERT."""
    run_id = _new_run(stores)
    first = [Metric("m", float(step), 100, step) for step in range(3)]
    stores.runs.log_batch(run_id, metrics=first, params=[Param("p", "1")])
    stores.runs.log_batch(
        run_id,
        metrics=[*first, Metric("m", 9.0, 100, 9)],
        params=[Param("p", "1"), Param("q", "2")],
        tags=[RunTag("t", "v")],
    )
    history = stores.runs.get_metric_history(run_id, "m")
    assert [p.step for p in history] == [0, 1, 2, 9]
    run = stores.runs.get_run(run_id)
    assert run.data.params == {"p": "1", "q": "2"}
    assert run.data.tags["t"] == "v"
    assert run.data.metrics == {"m": 9.0}
