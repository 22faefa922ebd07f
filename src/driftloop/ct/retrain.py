"""Retrain a challenger: the policy's entry point run as a tracked, cached pipeline.

:func:`retrain` runs the pipeline ``ct-retrain`` (``driftloop.pipelines``): step ``train``
calls ``entry_point(features, labels, **parameters)`` and stores the fitted model in
driftloop's model format with a reference profile of the training rows; step ``evaluate``
scores it on the holdout with every metric of the gates' task. The parent run carries
``driftloop.ct.episode_id`` and ``driftloop.ct.deployment`` tags, the data's digest and
window as lineage (``driftloop.lineage.*`` tags), the training and holdout frames as dataset
inputs, and the validation metrics, which are also logged on the run holding the model (the
run the registered version points at, whose metrics live monitoring compares against).

The entry point is imported where :func:`retrain` is called first (a wrong name fails before
any run is created, with ``field="training.entry_point"``), then again where the step runs.
The source of its module is part of the step's cache key: the same data, parameters and code
reuse an earlier finished training instead of fitting again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from driftloop.ct._gates_metrics import check_metric
from driftloop.ct._retrain_entry import code_digest, resolve_function
from driftloop.ct._retrain_steps import METRICS_OUTPUT, MODEL_OUTPUT, retrain_pipeline
from driftloop.entities import Metric, RunTag
from driftloop.errors import InvalidParameterError
from driftloop.pipelines import Executor, PipelineFailedError, run_pipeline

if TYPE_CHECKING:
    from driftloop.ct.policy import Policy
    from driftloop.ct.training_data import TrainingData
    from driftloop.tracking.client import Client

__all__ = ["DATA_DIGEST_TAG", "DEPLOYMENT_TAG", "EPISODE_TAG", "RetrainResult", "retrain"]

EPISODE_TAG = "driftloop.ct.episode_id"
"""Parent run tag: the CT episode that asked for the retraining."""
DEPLOYMENT_TAG = "driftloop.ct.deployment"
"""Parent run tag: the deployment retrained."""
DATA_DIGEST_TAG = "driftloop.ct.data_digest"
"""Parent run tag: the training data's digest (:attr:`TrainingData.digest`)."""


@dataclass(frozen=True, slots=True)
class RetrainResult:
    """A finished retraining.

    Attributes:
        run_id: The pipeline's parent run.
        model_uri: ``runs:/...`` of the challenger's model directory (with its profile),
            ready for ``register_model`` or ``load_model``.
        validation_metrics: Metric -> value on the holdout (also logged on the runs).
        model_run_id: The run whose artifacts hold the model (the ``train`` step's run, or
            the earlier run it was reused from).
        cached: Whether the training itself was reused from an earlier run.
    """

    run_id: str
    model_uri: str
    validation_metrics: Mapping[str, float]
    model_run_id: str = ""
    cached: bool = False


def retrain(
    policy: Policy,
    data: TrainingData,
    *,
    client: Client,
    experiment: str,
    executor: str = "local",
    episode_id: str | None = None,
    ray_address: str | None = None,
) -> RetrainResult:
    """Train a challenger on ``data`` with the policy's entry point (module docstring).

    Args:
        policy: The deployment's CT policy (``training`` and ``gates.metric`` are read).
        data: The assembled training rows and holdout.
        client: Where the runs, artifacts and metrics go.
        experiment: The experiment's name (created if missing) or id.
        executor: ``"local"`` or ``"ray"``.
        episode_id: The CT episode, tagged on the parent run.
        ray_address: The Ray cluster for ``executor="ray"`` (default: ``RAY_ADDRESS``, an
            already initialized Ray, or a new local instance).

    Raises:
        InvalidParameterError: The entry point is a project, does not import or is not
            callable (``field="training.entry_point"``); a bad executor; the gates' metric
            is unknown.
        PipelineFailedError: Training or evaluation failed; both runs are ``FAILED`` (the
            parent run still carries the episode tags) and nothing was registered.
    """
    check_metric(policy.gates.metric)
    entry = policy.training.entry_point
    function = resolve_function(entry, field="training.entry_point")
    runner = _executor(executor, ray_address)
    params: dict[str, Any] = {
        "features": data.features,
        "labels": data.labels,
        "holdout_features": data.holdout_features,
        "holdout_labels": data.holdout_labels,
        "entry_point": str(entry),
        "training_parameters": dict(policy.training.parameters),
        "code_digest": code_digest(function),
        "metric": policy.gates.metric,
    }
    tags = _tags(policy, data, episode_id)
    try:
        result = run_pipeline(
            retrain_pipeline(),
            params,
            client=client,
            experiment=experiment,
            executor=runner,
            data_lineage=_lineage(policy, data, episode_id),
            run_name=f"ct-retrain-{policy.deployment}",
        )
    except PipelineFailedError as error:
        client.log_batch(error.parent_run_id, tags=tags)
        raise
    finally:
        if isinstance(runner, Executor):
            runner.close()
    metrics = {
        name: float(value)
        for name, value in result.output(METRICS_OUTPUT).items()
        if isinstance(value, int | float) and math.isfinite(value)
    }
    model_run_id = result.output_run_ids[MODEL_OUTPUT]
    points = [Metric(name, value, int(time.time() * 1000)) for name, value in metrics.items()]
    client.log_batch(result.parent_run_id, metrics=points, tags=tags)
    if model_run_id != result.parent_run_id:
        client.log_batch(model_run_id, metrics=points)
    return RetrainResult(
        run_id=result.parent_run_id,
        model_uri=result.artifact_uri(MODEL_OUTPUT),
        validation_metrics=metrics,
        model_run_id=model_run_id,
        cached="train" in result.cached_steps,
    )


def _executor(executor: str, ray_address: str | None) -> str | Executor:
    if executor == "ray" and ray_address is not None:
        from driftloop.pipelines import RayExecutor

        return RayExecutor(address=ray_address)
    if ray_address is not None:
        raise InvalidParameterError(
            f"ray_address is only used with executor='ray' (executor is {executor!r})",
            field="ray_address",
        )
    if executor not in ("local", "ray"):
        raise InvalidParameterError(
            f"executor must be 'local' or 'ray', got {executor!r}", field="executor"
        )
    return executor


def _tags(policy: Policy, data: TrainingData, episode_id: str | None) -> list[RunTag]:
    tags = [RunTag(DEPLOYMENT_TAG, policy.deployment), RunTag(DATA_DIGEST_TAG, data.digest)]
    if episode_id is not None:
        tags.append(RunTag(EPISODE_TAG, episode_id))
    return tags


def _lineage(policy: Policy, data: TrainingData, episode_id: str | None) -> dict[str, Any]:
    lineage: dict[str, Any] = {
        "deployment": policy.deployment,
        "data_digest": data.digest,
        "window_start_ms": data.window_start_ms,
        "window_end_ms": data.window_end_ms,
        "train_rows": len(data.features),
        "holdout_rows": len(data.holdout_features),
        "log_rows": data.log_rows,
        "loader_rows": data.loader_rows,
        "episode_id": episode_id,
    }
    return {key: value for key, value in lineage.items() if value is not None}
