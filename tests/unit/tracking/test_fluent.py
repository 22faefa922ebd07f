from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import driftloop
from driftloop.entities import LifecycleStage, RunStatus
from driftloop.errors import (
    ConflictError,
    InvalidParameterError,
    MetricFlushError,
    ParamOverwriteError,
)
from driftloop.tracking.context import NOTE_TAG, SOURCE_NAME_TAG, USER_TAG


def test_a_with_block_finishes_the_run(client: driftloop.Client) -> None:
    with driftloop.start_run(experiment="churn", run_name="baseline") as run:
        assert driftloop.active_run() is run
        driftloop.log_param("alpha", 0.1)
        driftloop.log_metric("loss", 0.5, step=1)
    assert driftloop.active_run() is None
    stored = client.get_run(run.run_id)
    assert stored.info.status is RunStatus.FINISHED
    assert stored.info.end_time is not None
    assert stored.info.run_name == "baseline"
    assert stored.data.params == {"alpha": "0.1"}
    assert stored.data.metrics == {"loss": 0.5}
    assert client.get_experiment(stored.info.experiment_id).name == "churn"


def test_an_exception_fails_the_run_and_propagates(client: driftloop.Client) -> None:
    with pytest.raises(ValueError, match="boom"), driftloop.start_run() as run:
        raise ValueError("boom")
    assert client.get_run(run.run_id).info.status is RunStatus.FAILED
    assert driftloop.active_run() is None


def test_keyboard_interrupt_kills_the_run(client: driftloop.Client) -> None:
    with pytest.raises(KeyboardInterrupt, match="stop"), driftloop.start_run() as run:
        raise KeyboardInterrupt("stop")
    assert client.get_run(run.run_id).info.status is RunStatus.KILLED


def test_nested_runs_record_their_parent(client: driftloop.Client) -> None:
    with driftloop.start_run(experiment="sweep") as parent:
        with driftloop.start_run(nested=True, run_name="child") as child:
            assert driftloop.active_run() is child
            assert child.parent_run_id == parent.run_id
        assert driftloop.active_run() is parent
    stored = client.get_run(child.run_id)
    assert stored.parent_run_id == parent.run_id
    assert stored.info.experiment_id == parent.experiment_id


def test_a_second_top_level_run_is_refused(tracking_dir: Path) -> None:
    with driftloop.start_run() as run:
        with pytest.raises(ConflictError, match=f"run {run.run_id} is already active"):
            driftloop.start_run()
        assert driftloop.active_run() is run


def test_leaving_an_outer_block_ends_forgotten_inner_runs(client: driftloop.Client) -> None:
    with driftloop.start_run() as outer:
        inner = driftloop.start_run(nested=True)
    assert client.get_run(inner.run_id).info.status is RunStatus.FINISHED
    assert client.get_run(outer.run_id).info.status is RunStatus.FINISHED


def test_resume_a_run_by_id(client: driftloop.Client) -> None:
    with driftloop.start_run() as first:
        driftloop.log_metric("loss", 1.0, step=0)
    with driftloop.start_run(run_id=first.run_id, run_name="renamed") as resumed:
        assert resumed.run_id == first.run_id
        assert client.get_run(first.run_id).info.status is RunStatus.RUNNING
        driftloop.log_metric("loss", 0.5, step=1)
    stored = client.get_run(first.run_id)
    assert stored.info.status is RunStatus.FINISHED
    assert stored.info.run_name == "renamed"
    assert [m.step for m in client.get_metric_history(first.run_id, "loss")] == [0, 1]


def test_resuming_into_another_experiment_is_refused(tracking_dir: Path) -> None:
    with driftloop.start_run(experiment="a") as run:
        pass
    with pytest.raises(InvalidParameterError, match="belongs to experiment"):
        driftloop.start_run(run_id=run.run_id, experiment="b")


def test_system_tags_user_tags_and_description(client: driftloop.Client) -> None:
    with driftloop.start_run(tags={"team": "risk"}, description="first try") as run:
        pass
    tags = client.get_run(run.run_id).data.tags
    assert tags["team"] == "risk"
    assert tags[NOTE_TAG] == "first try"
    assert tags[SOURCE_NAME_TAG]
    assert "driftloop.python_version" in tags
    assert client.get_run(run.run_id).info.user_id == tags[USER_TAG]


def test_set_experiment_chooses_where_runs_go(client: driftloop.Client) -> None:
    experiment = driftloop.set_experiment("fraud")
    assert driftloop.set_experiment("fraud").experiment_id == experiment.experiment_id
    with driftloop.start_run() as run:
        pass
    assert run.experiment_id == experiment.experiment_id


def test_a_deleted_experiment_cannot_be_set(client: driftloop.Client) -> None:
    experiment_id = client.create_experiment("old")
    client.delete_experiment(experiment_id)
    with pytest.raises(InvalidParameterError, match="'old' is deleted; restore it"):
        driftloop.set_experiment("old")


def test_runs_default_to_the_default_experiment(tracking_dir: Path) -> None:
    with driftloop.start_run() as run:
        pass
    assert run.experiment_id == "0"


def test_logging_without_a_run_starts_one(client: driftloop.Client) -> None:
    driftloop.log_metric("x", 1.0)
    run = driftloop.active_run()
    assert run is not None
    driftloop.end_run()
    assert client.get_run(run.run_id).data.metrics == {"x": 1.0}


def test_50000_points_keep_their_steps(client: driftloop.Client) -> None:
    with driftloop.start_run() as run:
        for step in range(50_000):
            driftloop.log_metric("loss", step / 2, step=step)
    history = client.get_metric_history(run.run_id, "loss")
    assert len(history) == 50_000
    assert [m.step for m in history] == list(range(50_000))
    assert history[-1].value == 49_999 / 2


def test_log_metrics_share_step_and_timestamp(client: driftloop.Client) -> None:
    with driftloop.start_run() as run:
        driftloop.log_metrics({"a": 1.0, "b": 2.0}, step=3)
    stored = client.get_run(run.run_id).data.latest_metrics
    assert stored["a"].step == stored["b"].step == 3
    assert stored["a"].timestamp == stored["b"].timestamp


def test_param_overwrite_fails_immediately(tracking_dir: Path) -> None:
    with driftloop.start_run():
        driftloop.log_params({"lr": 0.1, "depth": 3})
        with pytest.raises(ParamOverwriteError, match="lr"):
            driftloop.log_param("lr", 0.2)


def test_tags_are_written_at_once(client: driftloop.Client) -> None:
    with driftloop.start_run() as run:
        driftloop.set_tags({"a": 1, "b": "x"})
        driftloop.set_tag("c", True)
        assert {"a": "1", "b": "x", "c": "True"}.items() <= client.get_run(
            run.run_id
        ).data.tags.items()


def test_bad_metric_values_fail_at_the_call(tracking_dir: Path) -> None:
    with driftloop.start_run():
        with pytest.raises(InvalidParameterError, match="metric 'loss' must be a real number"):
            driftloop.log_metric("loss", "0.5")  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError, match="step must be an integer"):
            driftloop.log_metric("loss", 0.5, step=1.5)  # type: ignore[arg-type]


def test_a_failed_background_write_is_raised_at_the_next_call(client: driftloop.Client) -> None:
    with driftloop.start_run() as run:
        client.delete_run(run.run_id)
        driftloop.log_metric("loss", 1.0)
        with pytest.raises(MetricFlushError, match=f"of run {run.run_id} could not be written"):
            driftloop.flush_metrics()
        client.restore_run(run.run_id)


def test_end_run_raises_a_failed_write_but_still_ends_the_run(client: driftloop.Client) -> None:
    run = driftloop.start_run()
    client.delete_run(run.run_id)
    driftloop.log_metric("loss", 1.0)
    with pytest.raises(MetricFlushError, match="could not be written"):
        driftloop.end_run()
    assert driftloop.active_run() is None
    assert client.get_run(run.run_id).info.lifecycle_stage is LifecycleStage.DELETED


def test_last_active_run(tracking_dir: Path) -> None:
    assert driftloop.last_active_run() is None
    with driftloop.start_run() as run:
        driftloop.log_metric("m", 2.0)
    last = driftloop.last_active_run()
    assert last is not None
    assert last.run_id == run.run_id
    assert last.data.metrics == {"m": 2.0}


def test_each_thread_has_its_own_stack(tracking_dir: Path) -> None:
    seen: list[object] = []
    with driftloop.start_run():
        worker = threading.Thread(target=lambda: seen.append(driftloop.active_run()))
        worker.start()
        worker.join()
    assert seen == [None]


def test_log_input_from_an_array(client: driftloop.Client) -> None:
    data = np.ones((10, 2))
    with driftloop.start_run() as run:
        dataset = driftloop.log_input(data, context="training", name="ones")
    inputs = client.get_run(run.run_id).inputs.dataset_inputs
    assert [(i.dataset.name, i.dataset.digest) for i in inputs] == [("ones", dataset.digest)]
    assert inputs[0].tags == {"mlflow.data.context": "training"}


def test_log_artifacts(client: driftloop.Client, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "b.txt").write_text("b")
    report = tmp_path / "report.json"
    report.write_text("{}")
    with driftloop.start_run() as run:
        driftloop.log_artifact(report, "reports")
        driftloop.log_artifacts(folder)
    assert [f.path for f in client.list_artifacts(run.run_id)] == ["reports", "sub"]
    assert [f.path for f in client.list_artifacts(run.run_id, "reports")] == ["reports/report.json"]


def test_search_runs_and_get_run(tracking_dir: Path) -> None:
    driftloop.set_experiment("search")
    for value in (0.3, 0.9, 0.6):
        with driftloop.start_run():
            driftloop.log_metric("acc", value)
    found = driftloop.search_runs(order_by=["metrics.acc DESC"], filter_string="metrics.acc > 0.5")
    assert [run.data.metrics["acc"] for run in found] == [0.9, 0.6]
    assert driftloop.get_run(found[0].run_id).run_id == found[0].run_id
    by_name = driftloop.search_runs(experiment_names=["search"], max_results=2)
    assert len(by_name) == 2


def test_a_process_that_never_ends_its_run_still_flushes(tmp_path: Path) -> None:
    tracking = tmp_path / "tracking"
    script = tmp_path / "train.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import driftloop
            driftloop.set_tracking_uri({str(tracking)!r})
            run = driftloop.start_run(experiment="exit")
            for step in range(2500):
                driftloop.log_metric("loss", 1.0 / (step + 1), step=step)
            print(run.run_id)
            """
        )
    )
    completed = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=120
    )
    assert completed.stderr == ""
    run_id = completed.stdout.strip()
    client = driftloop.Client(str(tracking))
    assert len(client.get_metric_history(run_id, "loss")) == 2500
    assert client.get_run(run_id).info.status is RunStatus.FINISHED


def test_an_uncaught_exception_at_exit_fails_the_run(tmp_path: Path) -> None:
    tracking = tmp_path / "tracking"
    script = tmp_path / "crash.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import driftloop
            driftloop.set_tracking_uri({str(tracking)!r})
            run = driftloop.start_run()
            print(run.run_id, flush=True)
            driftloop.log_metric("loss", 1.0)
            raise RuntimeError("crash")
            """
        )
    )
    completed = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False, timeout=120
    )
    assert completed.returncode == 1
    run_id = completed.stdout.strip()
    run = driftloop.Client(str(tracking)).get_run(run_id)
    assert run.info.status is RunStatus.FAILED
    assert run.data.metrics == {"loss": 1.0}


def test_end_run_inside_the_block_keeps_its_status(client: driftloop.Client) -> None:
    with driftloop.start_run() as run:
        driftloop.end_run(status="killed")
        assert driftloop.active_run() is None
    assert client.get_run(run.run_id).info.status is RunStatus.KILLED


def test_end_run_without_a_run_does_nothing(tracking_dir: Path) -> None:
    driftloop.end_run()
    assert driftloop.active_run() is None


def test_end_run_rejects_unknown_statuses(tracking_dir: Path) -> None:
    with (
        driftloop.start_run(),
        pytest.raises(InvalidParameterError, match="status must be one of"),
    ):
        driftloop.end_run(status="DONE")


def test_resuming_an_active_run_is_refused(tracking_dir: Path) -> None:
    with driftloop.start_run() as run, pytest.raises(ConflictError, match="already active"):
        driftloop.start_run(run_id=run.run_id, nested=True)


def test_experiment_from_the_environment(
    client: driftloop.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTLOOP_EXPERIMENT_NAME", "from-env")
    with driftloop.start_run() as run:
        pass
    assert client.get_experiment(run.experiment_id).name == "from-env"


def test_log_input_from_a_dataframe_or_a_dataset(client: driftloop.Client) -> None:
    import pandas as pd

    frame = pd.DataFrame({"x": [1.0, 2.0], "y": ["a", "b"]})
    given = driftloop.Dataset(name="given", digest="abc123")
    with driftloop.start_run() as run:
        built = driftloop.log_input(frame, name="frame", source="/data/f.csv")
        driftloop.log_input(given, context="validation", tags={"split": "val"})
    inputs = {i.dataset.name: i for i in client.get_run(run.run_id).inputs.dataset_inputs}
    assert inputs["frame"].dataset == built
    assert inputs["given"].dataset.digest == "abc123"
    assert inputs["given"].tags == {"mlflow.data.context": "validation", "split": "val"}


def test_threads_log_to_their_own_runs(client: driftloop.Client) -> None:
    run_ids: list[str] = []

    def train(name: str) -> None:
        with driftloop.start_run(run_name=name) as run:
            run_ids.append(run.run_id)
            for step in range(3000):
                driftloop.log_metric("loss", float(step), step=step)

    workers = [threading.Thread(target=train, args=(f"t{i}",)) for i in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(run_ids) == 3
    for run_id in run_ids:
        history = client.get_metric_history(run_id, "loss")
        assert [m.step for m in history] == list(range(3000))
