from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import driftloop
from driftloop.entities import LifecycleStage, Metric, Param, RunStatus, RunTag, ViewType
from driftloop.errors import (
    AlreadyExistsError,
    ArtifactNotFoundError,
    InvalidParameterError,
    RunNotFoundError,
)
from driftloop.store.rest import RestStores
from driftloop.tracking.uri import get_stores


def test_experiment_lifecycle(client: driftloop.Client) -> None:
    experiment_id = client.create_experiment("churn", tags={"team": "risk"})
    experiment = client.get_experiment(experiment_id)
    assert experiment.name == "churn"
    assert experiment.tags == {"team": "risk"}
    assert client.get_experiment_by_name("churn") == experiment
    with pytest.raises(AlreadyExistsError, match="churn"):
        client.create_experiment("churn")
    client.rename_experiment(experiment_id, "churn-v2")
    client.set_experiment_tag(experiment_id, "owner", 7)
    assert client.get_experiment(experiment_id).tags["owner"] == "7"
    client.delete_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage is LifecycleStage.DELETED
    deleted = client.search_experiments(view_type="deleted_only")
    assert [e.name for e in deleted] == ["churn-v2"]
    client.restore_experiment(experiment_id)
    active = client.search_experiments(view_type=ViewType.ACTIVE_ONLY)
    assert {e.name for e in active} == {"Default", "churn-v2"}


def test_run_lifecycle_and_logging(client: driftloop.Client) -> None:
    run = client.create_run("0", run_name="r1", tags={"k": "v"}, start_time=1_000)
    assert run.info.status is RunStatus.RUNNING
    assert run.info.start_time == 1_000
    run_id = run.run_id
    client.log_param(run_id, "lr", 0.01)
    client.log_metric(run_id, "loss", 0.5, timestamp=2_000, step=1)
    client.log_metric(run_id, "loss", float("nan"), timestamp=3_000, step=2)
    client.log_batch(
        run_id,
        metrics=[Metric("acc", 0.9, 4_000, 0)],
        params=[Param("depth", "3")],
        tags=[RunTag("stage", "dev")],
    )
    client.set_tag(run_id, "extra", "1")
    client.delete_tag(run_id, "extra")
    client.rename_run(run_id, "r2")
    client.set_terminated(run_id, "failed", end_time=5_000)
    stored = client.get_run(run_id)
    assert stored.info.run_name == "r2"
    assert stored.info.status is RunStatus.FAILED
    assert stored.info.end_time == 5_000
    assert stored.data.params == {"lr": "0.01", "depth": "3"}
    assert "extra" not in stored.data.tags
    assert stored.data.tags["stage"] == "dev"
    history = client.get_metric_history(run_id, "loss")
    assert [m.step for m in history] == [1, 2]
    assert math.isnan(history[1].value)
    client.delete_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage is LifecycleStage.DELETED
    client.restore_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage is LifecycleStage.ACTIVE


def test_search_runs_accepts_one_id_and_pages(client: driftloop.Client) -> None:
    for index in range(3):
        run = client.create_run("0", start_time=1_000 + index)
        client.log_metric(run.run_id, "acc", index / 10)
    page = client.search_runs("0", max_results=2, order_by=["metrics.acc DESC"])
    assert [r.data.metrics["acc"] for r in page] == [0.2, 0.1]
    assert page.next_page_token
    rest = client.search_runs(["0"], max_results=2, page_token=page.next_page_token)
    assert len(rest) == 1


def test_metric_history_reads_every_page(client: driftloop.Client) -> None:
    run_id = client.create_run("0").run_id
    for start in range(0, 25_000, 1000):
        client.log_batch(run_id, metrics=[Metric("m", i, 1, i) for i in range(start, start + 1000)])
    assert len(client.get_metric_history(run_id, "m")) == 25_000


def test_artifacts(client: driftloop.Client, tmp_path: Path) -> None:
    run_id = client.create_run("0").run_id
    model = tmp_path / "model.bin"
    model.write_bytes(b"12345")
    client.log_artifact(run_id, model, "model")
    client.log_dict(run_id, {"b": 1, "a": [1, 2]}, "report.json")
    client.log_text(run_id, "hello", "notes/readme.txt")
    listing = client.list_artifacts(run_id)
    assert [(f.path, f.is_dir) for f in listing] == [
        ("model", True),
        ("notes", True),
        ("report.json", False),
    ]
    assert client.list_artifacts(run_id, "model")[0].file_size == 5
    local = client.download_artifacts(run_id, "report.json", tmp_path / "dl")
    assert json.loads(local.read_text()) == {"a": [1, 2], "b": 1}
    everything = client.download_artifacts(run_id, dst_path=tmp_path / "all")
    assert (everything / "notes" / "readme.txt").read_text() == "hello"
    with pytest.raises(ArtifactNotFoundError, match="missing"):
        client.download_artifacts(run_id, "missing", tmp_path / "none")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.create_experiment(""), "name must be a non-empty string"),
        (lambda c: c.get_run(""), "run_id must be a non-empty string"),
        (lambda c: c.log_param("r", "", 1), "key must be a non-empty string"),
        (lambda c: c.log_metric("r", "k", "x"), "metric 'k' must be a real number"),
        (lambda c: c.log_metric("r", "k", 1.0, step=1.5), "step must be an integer"),
        (lambda c: c.log_metric("r", "k" * 251, 1.0), "the limit is 250"),
        (lambda c: c.set_terminated("r", "DONE"), "status must be one of RUNNING"),
        (lambda c: c.search_runs([]), "experiment_ids must be an id or a non-empty list"),
        (lambda c: c.search_experiments(view_type="some"), "view_type must be one of"),
        (lambda c: c.log_dict("r", {"x": object()}, "f.json"), "not JSON-serializable"),
        (
            lambda c: c.log_artifact("r", "/does/not/exist"),
            "local_path '/does/not/exist' is not a file",
        ),
    ],
)
def test_arguments_are_checked_with_clear_messages(client: driftloop.Client, call, message) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        call(client)


def test_unknown_run(client: driftloop.Client) -> None:
    with pytest.raises(RunNotFoundError, match="0" * 32):
        client.get_run("0" * 32)


def test_resolve_experiment_by_name_or_id(client: driftloop.Client) -> None:
    experiment_id = client.create_experiment("named")
    assert client.resolve_experiment("named").experiment_id == experiment_id
    assert client.resolve_experiment(experiment_id).name == "named"
    with pytest.raises(driftloop.DriftloopError, match="no experiment has the name or id 'nope'"):
        client.resolve_experiment("nope")


def test_http_tracking_uri_opens_the_rest_stores_without_a_request() -> None:
    client = driftloop.Client("http://127.0.0.1:5000")
    assert client.tracking_uri == "http://127.0.0.1:5000"
    assert isinstance(get_stores("http://127.0.0.1:5000"), RestStores)
