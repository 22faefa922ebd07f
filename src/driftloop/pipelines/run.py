"""``run_pipeline``: one parent run, one child run per step, outputs stored as artifacts.

Everything that can be checked before running is checked before the first run is created
(parameters, lineage, the executor). Then the steps run in dependency order; a step whose
cache key matches an earlier finished run of it reuses that run's outputs. If a step fails,
its child run and the parent run end ``FAILED``, no later step runs, and a
:class:`PipelineFailedError` naming the step is raised with the step's error chained.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from driftloop.entities import DatasetInput, Param, RunStatus
from driftloop.errors import ExperimentNotFoundError, InvalidParameterError
from driftloop.pipelines._step_run import (
    RunState,
    as_dataset,
    error_report,
    log_in_batches,
    param_text,
    run_step,
)
from driftloop.pipelines.artifacts_io import (
    StoredValue,
    canonical_json,
    is_json_ready,
    store_value,
    stored_path,
)
from driftloop.pipelines.cache import value_digest
from driftloop.pipelines.errors import PipelineDefinitionError, PipelineFailedError
from driftloop.pipelines.executors.base import Executor
from driftloop.pipelines.executors.local import LocalExecutor
from driftloop.pipelines.pipeline import PARAMS_PREFIX, Pipeline
from driftloop.pipelines.stored_outputs import OUTPUTS_DIR
from driftloop.pipelines.tags import (
    CACHED_STEPS_TAG,
    EXECUTOR_TAG,
    FAILED_STEP_TAG,
    LINEAGE_TAG_PREFIX,
    PIPELINE_TAG,
    ROLE_TAG,
)
from driftloop.store.validation import MAX_TAG_VALUE_LENGTH, validate_key
from driftloop.tracking.datasets import DATASET_CONTEXT_TAG, dataset_from_data

if TYPE_CHECKING:
    from driftloop.tracking.client import Client


@dataclass(frozen=True, slots=True)
class PipelineResult:
    """What a finished pipeline run produced.

    Attributes:
        pipeline: The pipeline's name.
        parent_run_id: The parent run.
        step_run_ids: Each step's child run.
        cached_steps: The steps whose outputs were reused from an earlier run.
        outputs: Every step output by name, as read back from storage.
        stored: How each output is stored (kind and content hash).
        output_run_ids: The run whose artifacts hold each output (the step's child run, or
            the earlier run it was reused from).
    """

    pipeline: str
    parent_run_id: str
    step_run_ids: Mapping[str, str]
    cached_steps: frozenset[str]
    outputs: Mapping[str, Any]
    stored: Mapping[str, StoredValue]
    output_run_ids: Mapping[str, str]

    def output(self, name: str) -> Any:
        """The output ``name``; ``InvalidParameterError`` when the pipeline has none."""
        if name not in self.outputs:
            raise InvalidParameterError(
                f"pipeline {self.pipeline!r} has no output {name!r} "
                f"(outputs: {', '.join(self.outputs)})",
                field="name",
            )
        return self.outputs[name]

    def artifact_uri(self, name: str) -> str:
        """``runs:/`` URI of an output's files; for a model, its model directory.

        A model output's URI can be given to ``load_model`` and ``register_model``.
        """
        self.output(name)
        path = stored_path(self.stored[name].kind)
        return f"runs:/{self.output_run_ids[name]}/{OUTPUTS_DIR}/{name}/{path}"


def run_pipeline(
    pipeline: Pipeline,
    params: Mapping[str, Any] | None = None,
    *,
    client: Client,
    experiment: str,
    executor: str | Executor = "local",
    data_lineage: Mapping[str, Any] | None = None,
    run_name: str | None = None,
) -> PipelineResult:
    """Run ``pipeline`` with ``params``, recording it in ``experiment``.

    Args:
        pipeline: The pipeline.
        params: Values of its parameters (JSON data, DataFrames, Series or arrays).
        client: Where runs and artifacts go.
        experiment: The experiment's name (created if missing) or id.
        executor: ``"local"``, ``"ray"`` (a :class:`RayExecutor` on ``RAY_ADDRESS`` or a
            local instance), or an :class:`Executor`.
        data_lineage: What data this run is about, e.g. ``{"deployment": "churn",
            "window_start": "...", "rows": 5000}``: JSON values become parent run tags
            ``driftloop.lineage.<key>``; DataFrames and arrays become dataset inputs.
        run_name: The parent run's name (the pipeline's name by default).

    Raises:
        PipelineDefinitionError: A parameter or lineage entry is invalid (no run is created).
        PipelineFailedError: A step failed; its child run and the parent run are ``FAILED``.
    """
    if not isinstance(pipeline, Pipeline):
        raise InvalidParameterError("pipeline must be a Pipeline", field="pipeline")
    given = pipeline.check_params(params)
    lineage_tags, lineage_data = _lineage(data_lineage)
    runner, owned = _executor(executor)
    try:
        with tempfile.TemporaryDirectory(prefix="driftloop-pipeline-params-") as scratch:
            folder = Path(scratch)
            stored_params, read_params = _store_data_params(given, folder)
            experiment_id = _experiment_id(client, experiment)
            parent = client.create_run(
                experiment_id,
                run_name=run_name or pipeline.name,
                tags={
                    PIPELINE_TAG: pipeline.name,
                    ROLE_TAG: "pipeline",
                    EXECUTOR_TAG: runner.name,
                    **lineage_tags,
                },
            )
            state = RunState(
                client=client,
                experiment_id=experiment_id,
                pipeline=pipeline,
                parent_run_id=parent.info.run_id,
                executor=runner,
                params={**given, **read_params},
                param_digests={
                    **{name: value_digest(value) or "" for name, value in given.items()},
                    **{name: stored.sha256 for name, stored in stored_params.items()},
                },
            )
            _run(state, folder, lineage_data)
    finally:
        if owned:
            runner.close()
    return PipelineResult(
        pipeline=pipeline.name,
        parent_run_id=state.parent_run_id,
        step_run_ids=MappingProxyType(dict(state.step_runs)),
        cached_steps=frozenset(state.cached),
        outputs=MappingProxyType(dict(state.values)),
        stored=MappingProxyType(dict(state.stored)),
        output_run_ids=MappingProxyType(dict(state.output_runs)),
    )


def _run(state: RunState, params_folder: Path, lineage_data: Mapping[str, Any]) -> None:
    client, parent_id = state.client, state.parent_run_id
    try:
        _log_parent(state, params_folder, lineage_data)
        for name in state.pipeline.order:
            run_step(state, state.pipeline.steps[name])
        client.set_tag(parent_id, CACHED_STEPS_TAG, ",".join(state.cached))
        client.set_terminated(parent_id, RunStatus.FINISHED)
    except BaseException as error:
        status = RunStatus.FAILED if isinstance(error, Exception) else RunStatus.KILLED
        try:
            if state.current is not None:
                client.set_tag(parent_id, FAILED_STEP_TAG, state.current)
        finally:
            client.set_terminated(parent_id, status)
        if not isinstance(error, Exception) or state.current is None:
            raise
        step = state.pipeline.steps[state.current]
        original, _ = error_report(step, error)
        raise PipelineFailedError(
            f"pipeline {state.pipeline.name!r} failed at step {step.name!r}: "
            f"{type(original).__name__}: {original}",
            pipeline=state.pipeline.name,
            step=step.name,
            parent_run_id=parent_id,
            step_run_id=state.step_runs[step.name],
        ) from original


def _log_parent(state: RunState, params_folder: Path, lineage_data: Mapping[str, Any]) -> None:
    client, run_id = state.client, state.parent_run_id
    json_params = [
        Param(name, param_text(value))
        for name, value in state.params.items()
        if is_json_ready(value)
    ]
    log_in_batches(client, run_id, json_params, [])
    if any(params_folder.iterdir()):
        client.log_artifacts(run_id, params_folder, PARAMS_PREFIX)
    datasets = [
        DatasetInput(
            dataset_from_data(data, name=f"{PARAMS_PREFIX}.{name}"),
            {DATASET_CONTEXT_TAG: "pipeline_param"},
        )
        for name, value in state.params.items()
        if (data := as_dataset(value)) is not None
    ]
    datasets += [
        DatasetInput(dataset_from_data(data, name=key), {DATASET_CONTEXT_TAG: "lineage"})
        for key, data in lineage_data.items()
    ]
    if datasets:
        client.log_inputs(run_id, datasets)


def _store_data_params(
    given: Mapping[str, Any], folder: Path
) -> tuple[dict[str, StoredValue], dict[str, Any]]:
    stored: dict[str, StoredValue] = {}
    values: dict[str, Any] = {}
    for name, value in given.items():
        if as_dataset(value) is None:
            continue
        label, field = f"pipeline parameter {name!r}", f"{PARAMS_PREFIX}.{name}"
        stored[name], values[name] = store_value(
            value, folder / name, label=label, field=field, trusted=False
        )
    return stored, values


def _lineage(lineage: Mapping[str, Any] | None) -> tuple[dict[str, str], dict[str, Any]]:
    tags: dict[str, str] = {}
    data: dict[str, Any] = {}
    for key, value in (lineage or {}).items():
        field = f"data_lineage.{key}"
        tag = validate_key("tag", f"{LINEAGE_TAG_PREFIX}{key}", field)
        if (frame := as_dataset(value)) is not None:
            data[str(key)] = frame
            continue
        if not is_json_ready(value):
            raise PipelineDefinitionError(
                f"data_lineage[{key!r}] must be JSON data, a DataFrame or an array; got "
                f"{type(value).__qualname__}",
                field=field,
            )
        text = value if isinstance(value, str) else canonical_json(value)
        if len(text) > MAX_TAG_VALUE_LENGTH:
            raise PipelineDefinitionError(
                f"data_lineage[{key!r}] is {len(text)} characters as text; a tag holds at most "
                f"{MAX_TAG_VALUE_LENGTH}",
                field=field,
            )
        tags[tag] = text
    return tags, data


def _executor(spec: str | Executor) -> tuple[Executor, bool]:
    if isinstance(spec, Executor):
        return spec, False
    if spec == "local":
        return LocalExecutor(), True
    if spec == "ray":
        from driftloop.pipelines.executors.ray import RayExecutor

        return RayExecutor(), True
    raise InvalidParameterError(
        f"executor must be 'local', 'ray' or an Executor, got {spec!r}", field="executor"
    )


def _experiment_id(client: Client, experiment: str) -> str:
    if not isinstance(experiment, str) or not experiment.strip():
        raise InvalidParameterError("experiment must be a name or an id", field="experiment")
    try:
        return client.resolve_experiment(experiment).experiment_id
    except ExperimentNotFoundError:
        return client.create_experiment(experiment)
