"""The Ray executor against a real local Ray instance (one per module: it takes seconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import ray
from tests.integration.pipelines.retrain import retrain_pipeline

import driftloop
from driftloop.pipelines import Pipeline, PipelineFailedError, RayExecutor, run_pipeline, step
from driftloop.pipelines.tags import CACHE_HIT_TAG, EXECUTOR_TAG

pytestmark = [pytest.mark.ray, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@step
def explode(rows: int = 1) -> int:
    import os

    raise RuntimeError(f"no data on worker {os.getpid()}")


def test_retraining_pipeline_on_ray_matches_the_local_executor(client: driftloop.Client) -> None:
    on_ray = run_pipeline(
        retrain_pipeline(), {"rows": 240}, client=client, experiment="ray", executor="ray"
    )
    parent = client.get_run(on_ray.parent_run_id)
    assert parent.info.status == "FINISHED"
    assert parent.data.tags[EXECUTOR_TAG] == "ray"
    assert on_ray.cached_steps == frozenset()
    for run_id in on_ray.step_run_ids.values():
        assert client.get_run(run_id).info.status == "FINISHED"
    local = run_pipeline(retrain_pipeline(), {"rows": 240}, client=client, experiment="local")
    assert local.outputs["evaluation"] == on_ray.outputs["evaluation"]
    assert on_ray.outputs["evaluation"]["accuracy"] > 0.9
    loaded = client.load_model(on_ray.artifact_uri("model"))
    assert loaded.flavor == "sklearn"


def test_a_second_run_on_ray_is_served_from_the_cache(client: driftloop.Client) -> None:
    executor = RayExecutor()
    first = run_pipeline(
        retrain_pipeline(), {"rows": 120}, client=client, experiment="e", executor=executor
    )
    second = run_pipeline(
        retrain_pipeline(), {"rows": 120}, client=client, experiment="e", executor=executor
    )
    assert second.cached_steps == set(first.step_run_ids)
    for run_id in second.step_run_ids.values():
        assert client.get_run(run_id).data.tags[CACHE_HIT_TAG] == "true"
    executor.close()
    assert ray.is_initialized()  # the caller's instance is left alone


def test_a_step_failing_on_a_worker_records_the_worker_traceback(
    client: driftloop.Client,
) -> None:
    with pytest.raises(
        PipelineFailedError, match="failed at step 'explode': RuntimeError"
    ) as caught:
        run_pipeline(
            Pipeline("boom", steps=[explode]), client=client, experiment="e", executor="ray"
        )
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert "no data on worker" in str(caught.value.__cause__)
    assert client.get_run(caught.value.parent_run_id).info.status == "FAILED"
    assert client.get_run(caught.value.step_run_id).info.status == "FAILED"
    text = client.download_artifacts(caught.value.step_run_id, "error.txt").read_text()
    assert "step: explode\n" in text
    assert "error: builtins.RuntimeError\n" in text
    assert "raise RuntimeError" in text  # the traceback from the worker
