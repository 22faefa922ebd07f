from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from tests.integration.pipelines.retrain import retrain_pipeline

import driftloop
from driftloop.entities import PARENT_RUN_ID_TAG, RunStatus
from driftloop.errors import InvalidParameterError
from driftloop.pipelines import (
    Pipeline,
    PipelineDefinitionError,
    PipelineFailedError,
    UnsafeValueError,
    ValueKind,
    run_pipeline,
    step,
)
from driftloop.pipelines.tags import (
    CACHE_HIT_TAG,
    CACHE_KEY_TAG,
    CACHED_STEPS_TAG,
    CODE_HASH_TAG,
    ERROR_TAG,
    EXECUTOR_TAG,
    FAILED_STEP_TAG,
    INPUT_TAG_PREFIX,
    OUTPUTS_RUN_TAG,
    PIPELINE_TAG,
    STEP_TAG,
)

CALLS: list[str] = []
FAIL = {"now": False}


@pytest.fixture(autouse=True)
def _reset_calls() -> None:
    CALLS.clear()
    FAIL["now"] = False


@step
def window(rows: int = 10, offset: int = 0) -> pd.DataFrame:
    CALLS.append("window")
    return pd.DataFrame({"x": np.arange(rows, dtype=float) + offset})


@step(cache=False)
def fresh_window(rows: int = 10, offset: int = 0) -> pd.DataFrame:
    CALLS.append("fresh_window")
    return pd.DataFrame({"x": np.arange(rows, dtype=float) + offset})


@step
def total(window: pd.DataFrame, scale: float = 1.0) -> float:
    CALLS.append("total")
    if FAIL["now"]:
        raise ValueError("the window is empty")
    return float(window["x"].sum() * scale)


@step
def report(total: float) -> dict[str, float]:
    CALLS.append("report")
    return {"total": total}


def child_runs(client: driftloop.Client, parent_run_id: str) -> list[Any]:
    parent = client.get_run(parent_run_id)
    page = client.search_runs(
        parent.info.experiment_id,
        f"tags.`{PARENT_RUN_ID_TAG}` = '{parent_run_id}'",
        run_view_type="ALL",
    )
    return sorted(page.items, key=lambda run: run.info.start_time)


def check_child_runs(client: driftloop.Client, parent_run_id: str, children: list[Any]) -> None:
    assert [run.data.tags[STEP_TAG] for run in children] == ["load", "split", "model", "evaluation"]
    for run in children:
        assert run.info.status == "FINISHED"
        assert run.info.experiment_id == client.get_run(parent_run_id).info.experiment_id
        assert run.data.tags[PARENT_RUN_ID_TAG] == parent_run_id
        assert run.data.tags[CACHE_HIT_TAG] == "false"
        assert run.data.tags[OUTPUTS_RUN_TAG] == run.info.run_id
        assert len(run.data.tags[CACHE_KEY_TAG]) == 64
        assert len(run.data.tags[CODE_HASH_TAG]) == 64
    load_run, _, model_run, evaluation_run = children
    assert load_run.data.params == {"rows": "300", "seed": "7"}
    assert model_run.data.params == {"C": "0.5"}
    assert model_run.data.tags[f"{INPUT_TAG_PREFIX}train"].startswith("split.train sha256:")
    assert model_run.data.tags[f"{INPUT_TAG_PREFIX}C"].startswith("params.C sha256:")
    [train_input] = model_run.inputs.dataset_inputs
    assert train_input.dataset.name == "split.train"
    assert train_input.tags == {"mlflow.data.context": "train"}
    assert json.loads(train_input.dataset.profile)["num_rows"] == 225
    assert {i.dataset.name for i in evaluation_run.inputs.dataset_inputs} == {"split.holdout"}


def test_retraining_pipeline_records_a_parent_run_and_one_child_run_per_step(
    client: driftloop.Client,
) -> None:
    lineage_frame = pd.DataFrame({"request_id": ["a", "b"]})
    result = run_pipeline(
        retrain_pipeline(),
        {"rows": 300, "C": 0.5},
        client=client,
        experiment="ct-churn",
        data_lineage={"deployment": "churn", "window": {"rows": 300}, "requests": lineage_frame},
    )
    assert result.outputs["evaluation"]["rows"] == 75
    assert result.outputs["evaluation"]["accuracy"] > 0.9
    assert isinstance(result.output("model"), LogisticRegression)
    assert result.cached_steps == frozenset()
    assert list(result.step_run_ids) == ["load", "split", "model", "evaluation"]

    parent = client.get_run(result.parent_run_id)
    assert parent.info.status == "FINISHED"
    assert parent.info.run_name == "retrain"
    assert parent.data.params == {"rows": "300", "C": "0.5"}
    assert parent.data.tags[PIPELINE_TAG] == "retrain"
    assert parent.data.tags[EXECUTOR_TAG] == "local"
    assert parent.data.tags["driftloop.lineage.deployment"] == "churn"
    assert parent.data.tags["driftloop.lineage.window"] == '{"rows":300}'
    assert parent.data.tags[CACHED_STEPS_TAG] == ""
    [lineage_input] = parent.inputs.dataset_inputs
    assert lineage_input.dataset.name == "requests"
    assert lineage_input.tags == {"mlflow.data.context": "lineage"}

    children = child_runs(client, result.parent_run_id)
    check_child_runs(client, result.parent_run_id, children)
    split_run, model_run = children[1], children[2]
    listed = {info.path for info in client.list_artifacts(split_run.info.run_id)}
    assert listed == {"outputs", "outputs.json"}
    manifest = json.loads(
        (client.download_artifacts(split_run.info.run_id, "outputs.json")).read_text()
    )
    assert manifest["outputs"]["train"]["kind"] == "dataframe"
    assert manifest["cache_key"] == split_run.data.tags[CACHE_KEY_TAG]
    assert result.stored["model"].kind is ValueKind.MODEL

    model_uri = result.artifact_uri("model")
    assert model_uri == f"runs:/{model_run.info.run_id}/outputs/model/model"
    version = client.register_model(model_uri, "churn")
    loaded = client.load_model(f"models:/churn/{version.version}")
    assert loaded.profile is not None
    holdout = result.outputs["holdout"][["f0", "f1", "f2"]]
    np.testing.assert_array_equal(loaded.predict(holdout), result.output("model").predict(holdout))
    assert result.artifact_uri("train").endswith("/outputs/train/data.parquet")
    with pytest.raises(InvalidParameterError, match="has no output 'nope'"):
        result.output("nope")


def test_a_second_identical_run_reuses_every_step(any_client: driftloop.Client) -> None:
    pipeline = Pipeline("sum", steps=[window, total, report])
    first = run_pipeline(pipeline, {"rows": 5}, client=any_client, experiment="e")
    assert CALLS == ["window", "total", "report"]
    second = run_pipeline(pipeline, {"rows": 5}, client=any_client, experiment="e")
    assert CALLS == ["window", "total", "report"]  # nothing ran again
    assert second.cached_steps == {"window", "total", "report"}
    assert second.outputs["report"] == first.outputs["report"] == {"total": 10.0}
    pd.testing.assert_frame_equal(second.outputs["window"], first.outputs["window"])
    for name in ("window", "total", "report"):
        run = any_client.get_run(second.step_run_ids[name])
        assert run.info.status == "FINISHED"
        assert run.data.tags[CACHE_HIT_TAG] == "true"
        assert run.data.tags[OUTPUTS_RUN_TAG] == first.step_run_ids[name]
        assert (
            run.data.tags[CACHE_KEY_TAG]
            == (any_client.get_run(first.step_run_ids[name]).data.tags[CACHE_KEY_TAG])
        )
        assert any_client.list_artifacts(run.info.run_id) == []
        assert second.output_run_ids[name] == first.step_run_ids[name]
    parent = any_client.get_run(second.parent_run_id)
    assert parent.data.tags[CACHED_STEPS_TAG] == "window,total,report"
    # A third run follows the reused run back to where the outputs are stored.
    third = run_pipeline(pipeline, {"rows": 5}, client=any_client, experiment="e")
    assert third.output_run_ids == first.step_run_ids
    assert len(CALLS) == 3


def test_a_changed_parameter_reruns_only_the_steps_that_read_it(client: driftloop.Client) -> None:
    pipeline = Pipeline("sum", steps=[window, total, report])
    run_pipeline(pipeline, {"rows": 5}, client=client, experiment="e")
    CALLS.clear()
    result = run_pipeline(pipeline, {"rows": 5, "scale": 2.0}, client=client, experiment="e")
    assert CALLS == ["total", "report"]
    assert result.cached_steps == {"window"}
    assert result.outputs["report"] == {"total": 20.0}


def test_changed_input_content_reruns_the_consumers_and_same_content_reuses_them(
    client: driftloop.Client,
) -> None:
    pipeline = Pipeline(
        "fresh", steps=[fresh_window, total], wiring={"total.window": "fresh_window.fresh_window"}
    )
    run_pipeline(pipeline, {"rows": 4}, client=client, experiment="e")
    assert CALLS == ["fresh_window", "total"]
    CALLS.clear()
    # The uncached loader runs again and returns the same data: its consumer is reused.
    same = run_pipeline(pipeline, {"rows": 4}, client=client, experiment="e")
    assert CALLS == ["fresh_window"]
    assert same.cached_steps == {"total"}
    CALLS.clear()
    # New data under the same parameters of the consumer: the consumer runs.
    moved = run_pipeline(pipeline, {"rows": 4, "offset": 1}, client=client, experiment="e")
    assert CALLS == ["fresh_window", "total"]
    assert moved.cached_steps == frozenset()
    assert moved.outputs["total"] == 10.0


def test_a_dataframe_parameter_is_stored_logged_and_hashed_by_content(
    client: driftloop.Client,
) -> None:
    @step(name="total")
    def frame_total(window: pd.DataFrame) -> float:
        CALLS.append("frame_total")
        return float(window["x"].sum())

    pipeline = Pipeline("frame", steps=[frame_total])
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    first = run_pipeline(pipeline, {"window": frame}, client=client, experiment="e")
    parent = client.get_run(first.parent_run_id)
    [logged] = parent.inputs.dataset_inputs
    assert logged.dataset.name == "params.window"
    assert logged.tags == {"mlflow.data.context": "pipeline_param"}
    assert [info.path for info in client.list_artifacts(first.parent_run_id, "params")] == [
        "params/window"
    ]
    again = run_pipeline(pipeline, {"window": frame.copy()}, client=client, experiment="e")
    assert again.cached_steps == {"total"}
    changed = run_pipeline(pipeline, {"window": frame * 2}, client=client, experiment="e")
    assert changed.cached_steps == frozenset()
    assert changed.outputs["total"] == 6.0
    assert CALLS == ["frame_total", "frame_total"]


def test_edited_step_code_is_a_cache_miss(client: driftloop.Client) -> None:
    @step(name="answer")
    def answer_v1(seed: int = 0) -> int:
        CALLS.append("v1")
        return 41

    @step(name="answer")
    def answer_v2(seed: int = 0) -> int:
        CALLS.append("v2")
        return 42

    run_pipeline(Pipeline("p", steps=[answer_v1]), client=client, experiment="e")
    result = run_pipeline(Pipeline("p", steps=[answer_v2]), client=client, experiment="e")
    assert CALLS == ["v1", "v2"]
    assert result.outputs["answer"] == 42
    again = run_pipeline(Pipeline("p", steps=[answer_v1]), client=client, experiment="e")
    assert again.cached_steps == {"answer"}
    assert again.outputs["answer"] == 41


def test_a_failed_step_fails_its_run_and_the_parent_and_nothing_after_it_runs(
    client: driftloop.Client,
) -> None:
    FAIL["now"] = True
    pipeline = Pipeline("sum", steps=[window, total, report])
    with pytest.raises(
        PipelineFailedError, match="failed at step 'total': ValueError: the window is empty"
    ) as caught:
        run_pipeline(pipeline, {"rows": 3}, client=client, experiment="e")
    error = caught.value
    assert error.step == "total"
    assert error.field == "total"
    assert error.code == "PIPELINE_FAILED"
    assert isinstance(error.__cause__, ValueError)
    assert CALLS == ["window", "total"]

    parent = client.get_run(error.parent_run_id)
    assert parent.info.status == "FAILED"
    assert parent.data.tags[FAILED_STEP_TAG] == "total"
    children = child_runs(client, error.parent_run_id)
    assert [(r.data.tags[STEP_TAG], r.info.status) for r in children] == [
        ("window", "FINISHED"),
        ("total", "FAILED"),
    ]
    failed = client.get_run(error.step_run_id)
    assert failed.data.tags[ERROR_TAG] == "ValueError: the window is empty"
    text = client.download_artifacts(error.step_run_id, "error.txt").read_text()
    assert "step: total\n" in text
    assert "error: builtins.ValueError\n" in text
    assert "message: the window is empty\n" in text
    assert 'raise ValueError("the window is empty")' in text
    assert "Traceback (most recent call last)" in text

    # A failed run is never a cache hit: fixed, the same step runs again.
    FAIL["now"] = False
    CALLS.clear()
    result = run_pipeline(pipeline, {"rows": 3}, client=client, experiment="e")
    assert CALLS == ["total", "report"]
    assert result.cached_steps == {"window"}


def test_an_unsafe_output_fails_the_step_naming_it(client: driftloop.Client) -> None:
    class Opaque:
        pass

    @step
    def make(rows: int = 1) -> Any:
        return Opaque()

    with pytest.raises(
        PipelineFailedError, match="failed at step 'make': UnsafeValueError"
    ) as caught:
        run_pipeline(Pipeline("p", steps=[make]), client=client, experiment="e")
    assert isinstance(caught.value.__cause__, UnsafeValueError)
    assert caught.value.__cause__.field == "make.make"
    failed = client.get_run(caught.value.step_run_id)
    assert failed.info.status == "FAILED"
    text = client.download_artifacts(caught.value.step_run_id, "error.txt").read_text()
    assert "step 'make' output 'make'" in text
    assert "@step(trusted=True)" in text
    assert "outputs" not in {info.path for info in client.list_artifacts(failed.info.run_id)}


def test_a_mistyped_output_fails_the_step(client: driftloop.Client) -> None:
    @step
    def count(rows: int = 1) -> int:
        return "one"  # type: ignore[return-value]

    with pytest.raises(
        PipelineFailedError, match="StepOutputError: step 'count' output 'count' is declared int"
    ):
        run_pipeline(Pipeline("p", steps=[count]), client=client, experiment="e")


class Box:
    def __init__(self, content: int) -> None:
        self.content = content


@step(trusted=True)
def boxed(content: int = 3) -> Box:
    CALLS.append("boxed")
    return Box(content)


@step
def unbox(boxed: Box) -> int:
    return boxed.content


def test_a_trusted_step_may_store_objects_with_pickle(client: driftloop.Client) -> None:
    pipeline = Pipeline("box", steps=[boxed, unbox])
    first = run_pipeline(pipeline, client=client, experiment="e")
    assert first.outputs["unbox"] == 3
    assert first.stored["boxed"].kind is ValueKind.PICKLE
    second = run_pipeline(pipeline, client=client, experiment="e")
    assert second.cached_steps == {"boxed", "unbox"}
    assert isinstance(second.outputs["boxed"], Box)
    assert CALLS == ["boxed"]


def test_a_deleted_run_is_not_reused(client: driftloop.Client) -> None:
    pipeline = Pipeline("sum", steps=[window, total, report])
    first = run_pipeline(pipeline, {"rows": 2}, client=client, experiment="e")
    client.delete_run(first.step_run_ids["total"])
    CALLS.clear()
    second = run_pipeline(pipeline, {"rows": 2}, client=client, experiment="e")
    assert CALLS == ["total"]
    assert second.cached_steps == {"window", "report"}


def test_cache_false_steps_always_run(client: driftloop.Client) -> None:
    pipeline = Pipeline("fresh", steps=[fresh_window])
    run_pipeline(pipeline, client=client, experiment="e")
    result = run_pipeline(pipeline, client=client, experiment="e")
    assert CALLS == ["fresh_window", "fresh_window"]
    assert result.cached_steps == frozenset()
    run = client.get_run(result.step_run_ids["fresh_window"])
    assert run.data.tags[CACHE_HIT_TAG] == "false"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"params": {"rowz": 1}}, PipelineDefinitionError, "has no parameter 'rowz'"),
        ({"params": {"rows": "5"}}, PipelineDefinitionError, "as int but got str"),
        ({"data_lineage": {"when": {1, 2}}}, PipelineDefinitionError, "must be JSON data"),
        ({"data_lineage": {"bad key!": "x"}}, InvalidParameterError, "invalid tag key"),
        ({"data_lineage": {"big": "x" * 9000}}, PipelineDefinitionError, "at most 8000"),
        ({"executor": "spark"}, InvalidParameterError, "executor must be 'local', 'ray'"),
    ],
)
def test_invalid_arguments_are_refused_before_any_run_exists(
    client: driftloop.Client, kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    pipeline = Pipeline("sum", steps=[window, total, report])
    with pytest.raises(error, match=match):
        run_pipeline(pipeline, client=client, experiment="never", **kwargs)
    assert client.get_experiment_by_name("never") is None
    assert CALLS == []


def test_a_dataframe_parameter_parquet_cannot_hold_is_refused_before_any_run(
    client: driftloop.Client,
) -> None:
    pipeline = Pipeline("sum", steps=[total], wiring={"total.window": "params.frame"})
    frame = pd.DataFrame({"x": [1, "one"]})
    with pytest.raises(UnsafeValueError, match="pipeline parameter 'frame'") as caught:
        run_pipeline(pipeline, {"frame": frame}, client=client, experiment="never")
    assert caught.value.field == "params.frame"
    assert client.get_experiment_by_name("never") is None


def test_an_existing_experiment_is_found_by_name_or_id(client: driftloop.Client) -> None:
    experiment_id = client.create_experiment("by-id")
    pipeline = Pipeline("sum", steps=[window])
    by_id = run_pipeline(pipeline, client=client, experiment=experiment_id)
    by_name = run_pipeline(pipeline, client=client, experiment="by-id", run_name="nightly")
    for result in (by_id, by_name):
        assert client.get_run(result.parent_run_id).info.experiment_id == experiment_id
    assert client.get_run(by_name.parent_run_id).info.run_name == "nightly"


def test_an_interrupt_marks_the_runs_killed(client: driftloop.Client) -> None:
    @step
    def interrupted(rows: int = 1) -> int:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_pipeline(Pipeline("p", steps=[interrupted]), client=client, experiment="e")
    runs = client.search_runs(client.get_experiment_by_name("e").experiment_id).items  # type: ignore[union-attr]
    assert {run.info.status for run in runs} == {RunStatus.KILLED.value}
    assert len(runs) == 2


def test_unreadable_cached_outputs_are_a_miss(client: driftloop.Client, tmp_path: Path) -> None:
    pipeline = Pipeline("sum", steps=[window])
    first = run_pipeline(pipeline, client=client, experiment="e")
    repository = client.artifact_repository(first.step_run_ids["window"])
    repository.delete_artifacts("outputs")
    CALLS.clear()
    second = run_pipeline(pipeline, client=client, experiment="e")
    assert CALLS == ["window"]
    assert second.cached_steps == frozenset()


def test_a_value_of_the_wrong_type_for_a_parameter_fails_that_step(
    client: driftloop.Client,
) -> None:
    @step
    def pair(rows: int = 1) -> tuple[int, int]:
        return (rows, rows)

    @step
    def use_pair(pair: tuple[int, int]) -> int:
        return sum(pair)

    # JSON storage gives a list back, and the consumer declared a tuple.
    with pytest.raises(
        PipelineFailedError,
        match=r"StepInputError: step 'use_pair' parameter 'pair' is declared tuple\[int, int\] "
        "but pair.pair is a list",
    ) as caught:
        run_pipeline(Pipeline("p", steps=[pair, use_pair]), client=client, experiment="e")
    assert caught.value.step == "use_pair"
