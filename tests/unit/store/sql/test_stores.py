"""Tests for the public names of ``driftloop.store.sql`` and the run/experiment lifecycles."""

from __future__ import annotations

import dataclasses
import re
import uuid

import pytest

import driftloop.store.sql as sql_package
from driftloop.entities import PARENT_RUN_ID_TAG, RUN_NAME_TAG, LifecycleStage, Metric, ViewType
from driftloop.errors import InvalidParameterError, RunNotFoundError
from driftloop.store.sql import SqlStores
from driftloop.store.sql.run_names import generate_run_name


def test_public_names() -> None:
    assert sorted(sql_package.__all__) == [
        "SqlDatabase",
        "SqlExperimentStore",
        "SqlRunStore",
        "SqlStores",
        "open_sql_stores",
        "upgrade_database",
    ]
    for name in sql_package.__all__:
        assert hasattr(sql_package, name)


def test_stores_are_frozen(sqlite_stores: SqlStores) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError, match="runs"):
        sqlite_stores.runs = sqlite_stores.runs  # type: ignore[misc]


def test_generated_run_names_are_readable() -> None:
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d{3}", generate_run_name())


def test_create_run_system_tags(stores: SqlStores) -> None:
    parent = stores.runs.create_run("0", user_id="ann")
    child = stores.runs.create_run("0", parent_run_id=parent.run_id, start_time=5)
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d{3}", parent.info.run_name)
    assert parent.data.tags["mlflow.user"] == "ann"
    assert parent.data.tags[RUN_NAME_TAG] == parent.info.run_name
    assert child.data.tags[PARENT_RUN_ID_TAG] == parent.run_id
    assert child.info.start_time == 5
    assert re.fullmatch(r"[0-9a-f]{32}", child.run_id)
    assert child.info.artifact_uri.endswith(f"/0/{child.run_id}/artifacts")
    assert stores.runs.get_run(child.run_id) == child


def test_create_run_checks_parent_and_name_tag(stores: SqlStores) -> None:
    with pytest.raises(RunNotFoundError, match=re.escape("parent run with id='missing'")):
        stores.runs.create_run("0", parent_run_id="missing")
    with pytest.raises(
        InvalidParameterError, match=re.escape("run_name 'a' and the 'mlflow.runName'")
    ):
        stores.runs.create_run("0", run_name="a", tags={RUN_NAME_TAG: "b"})
    assert stores.runs.create_run("0", tags={RUN_NAME_TAG: "b"}).info.run_name == "b"


def test_restore_experiment_restores_only_the_runs_its_deletion_deleted(
    stores: SqlStores,
) -> None:
    experiment_id = stores.experiments.create_experiment(f"lifecycle-{uuid.uuid4().hex}")
    kept = stores.runs.create_run(experiment_id).run_id
    deleted_before = stores.runs.create_run(experiment_id).run_id
    stores.runs.delete_run(deleted_before)
    stores.experiments.delete_experiment(experiment_id)
    stores.experiments.delete_experiment(experiment_id)  # idempotent
    assert stores.runs.get_run(kept).info.lifecycle_stage is LifecycleStage.DELETED
    stores.experiments.restore_experiment(experiment_id)
    assert stores.runs.get_run(kept).info.lifecycle_stage is LifecycleStage.ACTIVE
    assert stores.runs.get_run(deleted_before).info.lifecycle_stage is LifecycleStage.DELETED
    active = stores.runs.search_runs([experiment_id], view_type=ViewType.ACTIVE_ONLY)
    assert [run.run_id for run in active] == [kept]


def test_metric_history_reads_one_page_at_a_time(stores: SqlStores) -> None:
    run_id = stores.runs.create_run("0").run_id
    stores.runs.log_batch(run_id, metrics=[Metric("m", float(s), 1000 - s, s) for s in range(25)])
    steps: list[int] = []
    token = None
    while True:
        page = stores.runs.get_metric_history(run_id, "m", max_results=10, page_token=token)
        steps.extend(point.step for point in page)
        token = page.next_page_token
        if token is None:
            break
    assert steps == list(range(25))
    assert len(stores.runs.get_metric_history(run_id, "unknown")) == 0
    with pytest.raises(RunNotFoundError, match="nope"):
        stores.runs.get_metric_history("nope", "m")
    with pytest.raises(InvalidParameterError, match="max_results"):
        stores.runs.get_metric_history(run_id, "m", max_results=0)
