"""Pipelines: ``@step`` functions wired into a DAG, run with one tracked child run per step.

See ``docs/pipelines.md``: how steps are wired, how values are stored (never pickled unless a
step is trusted), the caching rules and the executors (``local``, ``ray``).
"""

from driftloop.pipelines.artifacts_io import ModelOutput, StoredValue, ValueKind
from driftloop.pipelines.errors import (
    PipelineDefinitionError,
    PipelineFailedError,
    StepInputError,
    StepOutputError,
    UnsafeValueError,
)
from driftloop.pipelines.executors import Executor, LocalExecutor, RayExecutor
from driftloop.pipelines.pipeline import Binding, Pipeline, PipelineParameter
from driftloop.pipelines.run import PipelineResult, run_pipeline
from driftloop.pipelines.step import Step, StepParameter, step

__all__ = [
    "Binding",
    "Executor",
    "LocalExecutor",
    "ModelOutput",
    "Pipeline",
    "PipelineDefinitionError",
    "PipelineFailedError",
    "PipelineParameter",
    "PipelineResult",
    "RayExecutor",
    "Step",
    "StepInputError",
    "StepOutputError",
    "StepParameter",
    "StoredValue",
    "UnsafeValueError",
    "ValueKind",
    "run_pipeline",
    "step",
]
