"""Retraining a challenger from a real inference log into a real tracking folder, then gating it.

The champion of ``churn`` learned the old concept; the log follows the new one, so the
challenger the pipeline trains beats it on the holdout.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from tests.integration.ct.ctlog import MODEL, T0, features, register_champion, write_rows

from driftloop.ct import (
    Policy,
    RetrainResult,
    TrainingData,
    assemble_training_data,
    evaluate_gates,
    retrain,
)
from driftloop.ct.retrain import DATA_DIGEST_TAG, DEPLOYMENT_TAG, EPISODE_TAG
from driftloop.errors import InvalidParameterError
from driftloop.pipelines import PipelineFailedError
from driftloop.pipelines.tags import EXECUTOR_TAG, LINEAGE_TAG_PREFIX
from driftloop.tracking import Client

ENTRY = "tests.integration.ct.training:train_logistic"


def policy(entry_point: str = ENTRY, **sections: Any) -> Policy:
    return Policy.model_validate(
        {
            "deployment": "churn",
            "training": {"entry_point": entry_point, "parameters": {"C": 0.5}},
            "data": {"window": {"duration": "1h"}, "holdout": {"fraction": 0.25}, "min_rows": 100},
            "gates": {"metric": "accuracy", "margin": 0.05, "latency_budget_ms": 50},
            **sections,
        }
    )


@pytest.fixture(scope="module")
def window(tmp_path_factory: pytest.TempPathFactory) -> TrainingData:
    """400 labelled rows of the new concept, assembled by the real reader."""
    root = tmp_path_factory.mktemp("ct-log")
    write_rows(str(root), "churn", features(400, first_seq=0, seed=21))
    return assemble_training_data(
        policy(), inference_log_uri=str(root), log_name="churn", now_ms=T0
    )


def run_retrain(client: Client, data: TrainingData, **options: Any) -> RetrainResult:
    chosen = options.pop("policy", None) or policy()
    return retrain(chosen, data, client=client, experiment="ct-churn", **options)


def test_retrain_logs_a_challenger_with_its_lineage_and_validation_metrics(
    client: Client, window: TrainingData
) -> None:
    result = run_retrain(client, window, episode_id="ep-1")
    parent = client.get_run(result.run_id)
    assert parent.info.status == "FINISHED"
    tags = parent.data.tags
    assert tags[EPISODE_TAG] == "ep-1"
    assert tags[DEPLOYMENT_TAG] == "churn"
    assert tags[DATA_DIGEST_TAG] == window.digest
    assert tags[f"{LINEAGE_TAG_PREFIX}data_digest"] == window.digest
    assert tags[f"{LINEAGE_TAG_PREFIX}window_end_ms"] == str(T0)
    assert tags[f"{LINEAGE_TAG_PREFIX}train_rows"] == "300"
    assert tags[f"{LINEAGE_TAG_PREFIX}holdout_rows"] == "100"
    assert tags[f"{LINEAGE_TAG_PREFIX}episode_id"] == "ep-1"
    assert parent.data.params["entry_point"] == ENTRY
    assert parent.data.params["training_parameters"] == '{"C":0.5}'
    inputs = {item.dataset.name for item in parent.inputs.dataset_inputs}
    assert {"params.features", "params.holdout_features"} <= inputs

    model = client.load_model(result.model_uri)
    assert isinstance(model.raw, LogisticRegression)
    assert model.raw.C == 0.5  # the policy's parameters reached the entry point
    assert model.profile is not None
    assert [column.name for column in model.profile.columns] == list(window.features.columns)
    assert model.profile.row_count == 300

    predictions = model.predict(window.holdout_features)
    expected_accuracy = accuracy_score(window.holdout_labels, predictions)
    assert result.validation_metrics["accuracy"] == pytest.approx(expected_accuracy)
    assert result.validation_metrics["f1"] == pytest.approx(
        f1_score(window.holdout_labels, predictions)
    )
    assert {"roc_auc", "log_loss", "balanced_accuracy"} <= set(result.validation_metrics)
    assert parent.data.metrics["accuracy"] == pytest.approx(expected_accuracy)
    model_run = client.get_run(result.model_run_id)  # what a registered version points at
    assert model_run.data.metrics["accuracy"] == pytest.approx(expected_accuracy)
    assert result.model_uri == f"runs:/{result.model_run_id}/outputs/model/model"
    assert not result.cached


def test_a_second_retrain_on_the_same_data_reuses_the_training(
    client: Client, window: TrainingData
) -> None:
    first = run_retrain(client, window, episode_id="ep-1")
    again = run_retrain(client, window, episode_id="ep-2")
    assert again.cached
    assert again.run_id != first.run_id
    assert again.model_run_id == first.model_run_id
    assert again.validation_metrics == first.validation_metrics
    assert client.get_run(again.run_id).data.tags[EPISODE_TAG] == "ep-2"
    other = policy(training={"entry_point": ENTRY, "parameters": {"C": 0.01}})
    assert not run_retrain(client, window, policy=other).cached


def test_a_failing_entry_point_fails_the_pipeline_and_leaves_the_runs_tagged(
    client: Client, window: TrainingData
) -> None:
    failing = policy("tests.integration.ct.training:fail_training")
    with pytest.raises(PipelineFailedError, match="failed at step 'train': RuntimeError") as caught:
        run_retrain(client, window, policy=failing, episode_id="ep-9")
    parent = client.get_run(caught.value.parent_run_id)
    assert parent.info.status == "FAILED"
    assert parent.data.tags[EPISODE_TAG] == "ep-9"
    assert client.get_run(caught.value.step_run_id).info.status == "FAILED"
    assert "out of memory after 300 rows" in str(caught.value)


@pytest.mark.parametrize(
    ("entry_point", "message"),
    [
        ("tests.integration.ct.no_module:train", "cannot import 'tests.integration.ct.no_module'"),
        ("tests.integration.ct.training:nothing", "has no attribute 'nothing'"),
        ("tests.integration.ct.training:FEATURES", "is a list, not a function"),
        ("projects/churn#train", "is a project entry point"),
    ],
)
def test_an_entry_point_that_cannot_run_is_refused_before_any_run(
    client: Client, window: TrainingData, entry_point: str, message: str
) -> None:
    with pytest.raises(InvalidParameterError, match=message) as caught:
        run_retrain(client, window, policy=policy(entry_point))
    assert caught.value.field == "training.entry_point"
    assert client.get_experiment_by_name("ct-churn") is None  # nothing was created


def test_a_ray_address_needs_the_ray_executor(client: Client, window: TrainingData) -> None:
    with pytest.raises(InvalidParameterError, match="only used with executor='ray'") as caught:
        run_retrain(client, window, ray_address="ray://127.0.0.1:10001")
    assert caught.value.field == "ray_address"


def test_the_retrained_challenger_passes_the_gates_against_the_stale_champion(
    client: Client, window: TrainingData
) -> None:
    register_champion(client)
    result = run_retrain(client, window, episode_id="ep-1")
    champion = client.load_model(f"models:/{MODEL}@champion")
    challenger = client.load_model(result.model_uri)
    gates = policy().gates
    report = evaluate_gates(
        gates,
        champion=champion,
        challenger=challenger,
        holdout_features=window.holdout_features,
        holdout_labels=window.holdout_labels,
        profile=champion.profile,
    )
    assert report.passed, report.to_evidence()
    assert [result.name for result in report.results] == ["metric", "data_validation", "latency"]
    metric = report.result("metric").evidence
    assert metric["challenger"] > 0.9
    assert metric["champion"] < 0.8
    assert metric["improvement"] >= 0.05
    reversed_report = evaluate_gates(
        gates,
        champion=challenger,
        challenger=champion,
        holdout_features=window.holdout_features,
        holdout_labels=window.holdout_labels,
        profile=champion.profile,
    )
    assert reversed_report.failed == ("metric",)


# --- Ray ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    import ray

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.mark.ray
@pytest.mark.slow
def test_retrain_on_ray_gives_the_local_result(
    client: Client, window: TrainingData, local_ray: None
) -> None:
    on_ray = run_retrain(client, window, executor="ray", episode_id="ep-ray")
    parent = client.get_run(on_ray.run_id)
    assert parent.info.status == "FINISHED"
    assert parent.data.tags[EXECUTOR_TAG] == "ray"
    assert parent.data.tags[EPISODE_TAG] == "ep-ray"
    assert not on_ray.cached
    model = client.load_model(on_ray.model_uri)
    assert model.profile is not None
    local = retrain(policy(), window, client=client, experiment="ct-local")
    assert on_ray.validation_metrics == pytest.approx(dict(local.validation_metrics))
    np.testing.assert_array_equal(
        model.predict(window.holdout_features),
        client.load_model(local.model_uri).predict(window.holdout_features),
    )
