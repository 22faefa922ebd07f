"""Running one step of a pipeline run: its child run, inputs, cache lookup, outputs, failure."""

from __future__ import annotations

import logging
import tempfile
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from driftloop.entities import DatasetInput, Param, RunStatus, RunTag
from driftloop.pipelines._types import describe, matches
from driftloop.pipelines.artifacts_io import StoredValue, canonical_json, is_json_ready
from driftloop.pipelines.cache import cache_key, find_cached, value_digest
from driftloop.pipelines.errors import StepInputError
from driftloop.pipelines.executors.base import Executor, StepExecutionError
from driftloop.pipelines.stored_outputs import write_outputs
from driftloop.pipelines.tags import (
    CACHE_HIT_TAG,
    CACHE_KEY_TAG,
    CODE_HASH_TAG,
    ERROR_FILE,
    ERROR_TAG,
    INPUT_TAG_PREFIX,
    OUTPUTS_RUN_TAG,
    PIPELINE_TAG,
    ROLE_TAG,
    STEP_TAG,
)
from driftloop.store.validation import (
    MAX_PARAM_VALUE_LENGTH,
    MAX_PARAMS_PER_BATCH,
    MAX_TAGS_PER_BATCH,
)
from driftloop.tracking.datasets import DATASET_CONTEXT_TAG, dataset_from_data

if TYPE_CHECKING:
    from driftloop.pipelines.pipeline import Binding, Pipeline
    from driftloop.pipelines.step import Step
    from driftloop.tracking.client import Client

_ERROR_TAG_LENGTH = 1000
_log = logging.getLogger(__name__)


@dataclass
class RunState:
    """What a pipeline run knows so far: its runs and the values its steps produced."""

    client: Client
    experiment_id: str
    pipeline: Pipeline
    parent_run_id: str
    executor: Executor
    params: dict[str, Any]
    param_digests: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    stored: dict[str, StoredValue] = field(default_factory=dict)
    output_runs: dict[str, str] = field(default_factory=dict)
    step_runs: dict[str, str] = field(default_factory=dict)
    cached: list[str] = field(default_factory=list)
    current: str | None = None


@dataclass(frozen=True, slots=True)
class _Input:
    value: Any
    digest: str | None
    source: Binding | None  # None: the step's default


def run_step(state: RunState, step: Step) -> None:
    """Run ``step`` (or reuse its cached outputs) in a new child run of the parent.

    On any error the child run ends ``FAILED`` (``KILLED`` on an interrupt) with
    ``error.txt``, and the error propagates.
    """
    client = state.client
    state.current = step.name
    inputs = _inputs(state, step)
    key = cache_key(step, {name: item.digest for name, item in inputs.items()})
    run = client.create_run(
        state.experiment_id,
        run_name=step.name,
        parent_run_id=state.parent_run_id,
        tags={
            PIPELINE_TAG: state.pipeline.name,
            ROLE_TAG: "step",
            STEP_TAG: step.name,
            CODE_HASH_TAG: step.code_hash,
            CACHE_KEY_TAG: key,
        },
    )
    run_id = run.info.run_id
    state.step_runs[step.name] = run_id
    try:
        _check_inputs(step, inputs)
        _log_inputs(client, run_id, inputs)
        hit = find_cached(client, state.experiment_id, step, key) if step.cache else None
        if hit is None:
            stored, values = _execute(state, step, run_id, key, inputs)
            outputs_run = run_id
        else:
            stored, values, outputs_run = dict(hit.manifest.values), hit.values, hit.run_id
            state.cached.append(step.name)
        client.log_batch(
            run_id,
            tags=[
                RunTag(CACHE_HIT_TAG, "true" if hit is not None else "false"),
                RunTag(OUTPUTS_RUN_TAG, outputs_run),
            ],
        )
        client.set_terminated(run_id, RunStatus.FINISHED)
    except BaseException as error:
        _record_failure(client, run_id, step, error)
        raise
    for name in step.outputs:
        state.values[name] = values[name]
        state.stored[name] = stored[name]
        state.output_runs[name] = outputs_run


def error_report(step: Step, error: BaseException) -> tuple[BaseException, str]:
    """The error to report for a failed step and the ``error.txt`` text."""
    if isinstance(error, StepExecutionError):
        original, trace = error.error, error.traceback_text
    else:
        original, trace = error, "".join(traceback.format_exception(error))
    cls = type(original)
    text = (
        f"step: {step.name}\nerror: {cls.__module__}.{cls.__qualname__}\n"
        f"message: {original}\n\n{trace}"
    )
    return original, text


def _inputs(state: RunState, step: Step) -> dict[str, _Input]:
    inputs: dict[str, _Input] = {}
    bindings = state.pipeline.bindings[step.name]
    for parameter in step.parameters:
        binding = bindings[parameter.name]
        if binding.step is not None:
            stored = state.stored[binding.name]
            inputs[parameter.name] = _Input(state.values[binding.name], stored.sha256, binding)
        elif binding.name in state.params:
            value = state.params[binding.name]
            inputs[parameter.name] = _Input(value, state.param_digests[binding.name], binding)
        else:
            inputs[parameter.name] = _Input(
                parameter.default, value_digest(parameter.default), None
            )
    return inputs


def _check_inputs(step: Step, inputs: Mapping[str, _Input]) -> None:
    for parameter in step.parameters:
        item = inputs[parameter.name]
        if item.source is not None and not matches(item.value, parameter.annotation):
            raise StepInputError(
                f"step {step.name!r} parameter {parameter.name!r} is declared "
                f"{describe(parameter.annotation)} but {item.source} is a "
                f"{type(item.value).__qualname__}",
                field=f"{step.name}.{parameter.name}",
            )


def _log_inputs(client: Client, run_id: str, inputs: Mapping[str, _Input]) -> None:
    params = [
        Param(name, param_text(item.value))
        for name, item in inputs.items()
        if is_json_ready(item.value)
    ]
    tags = [
        RunTag(f"{INPUT_TAG_PREFIX}{name}", f"{item.source or 'default'} {item.digest or '-'}")
        for name, item in inputs.items()
    ]
    log_in_batches(client, run_id, params, tags)
    datasets = [
        DatasetInput(
            dataset_from_data(data, name=str(item.source or name)), {DATASET_CONTEXT_TAG: name}
        )
        for name, item in inputs.items()
        if (data := as_dataset(item.value)) is not None
    ]
    if datasets:
        client.log_inputs(run_id, datasets)


def _execute(
    state: RunState, step: Step, run_id: str, key: str, inputs: Mapping[str, _Input]
) -> tuple[dict[str, StoredValue], dict[str, Any]]:
    returned = state.executor.run_step(step, {name: item.value for name, item in inputs.items()})
    values = step.split_outputs(returned)
    with tempfile.TemporaryDirectory(prefix="driftloop-pipeline-step-") as scratch:
        manifest, decoded = write_outputs(
            values, Path(scratch), step=step.name, cache_key=key, trusted=step.trusted
        )
        state.client.log_artifacts(run_id, scratch)
    return dict(manifest.values), decoded


def _record_failure(client: Client, run_id: str, step: Step, error: BaseException) -> None:
    status = RunStatus.FAILED if isinstance(error, Exception) else RunStatus.KILLED
    original, text = error_report(step, error)
    summary = f"{type(original).__name__}: {original}"
    try:
        client.log_text(run_id, text, ERROR_FILE)
        client.set_tag(run_id, ERROR_TAG, summary[:_ERROR_TAG_LENGTH])
    except Exception:  # noqa: BLE001 - recording must not hide the step's own error
        _log.exception("could not record the failure of step %r in run %s", step.name, run_id)
    finally:
        client.set_terminated(run_id, status)


def param_text(value: Any) -> str:
    """A JSON-ready value as a run param (its digest when longer than a param may be)."""
    text = value if isinstance(value, str) else canonical_json(value)
    if len(text) > MAX_PARAM_VALUE_LENGTH:
        return value_digest(value) or ""
    return text


def as_dataset(value: Any) -> pd.DataFrame | np.ndarray | None:
    """The value as data for a dataset input (a Series becomes a frame), or None."""
    if type(value) is pd.Series:
        return value.to_frame()
    if type(value) in {pd.DataFrame, np.ndarray}:
        return value
    return None


def log_in_batches(
    client: Client, run_id: str, params: Sequence[Param], tags: Sequence[RunTag]
) -> None:
    """``log_batch`` within the per-call limits (nothing when both are empty)."""
    rounds = max(-(-len(params) // MAX_PARAMS_PER_BATCH), -(-len(tags) // MAX_TAGS_PER_BATCH))
    for index in range(rounds):
        client.log_batch(
            run_id,
            params=params[index * MAX_PARAMS_PER_BATCH : (index + 1) * MAX_PARAMS_PER_BATCH],
            tags=tags[index * MAX_TAGS_PER_BATCH : (index + 1) * MAX_TAGS_PER_BATCH],
        )
