"""A pipeline: named steps wired into a DAG by parameter names, checked when built.

Wiring rules, in order, for each parameter ``p`` of each step ``s``:

1. an explicit entry ``wiring={"s.p": "other.output"}`` (or ``"params.name"``) wins;
2. else, if another step has an output named ``p``, ``s`` reads that output;
3. else ``p`` is a pipeline parameter: given to :func:`run_pipeline`, or the step's default.

Output names are unique in a pipeline. The order of ``steps`` does not matter (they run in
dependency order, ties in the listed order); unknown wiring targets and cycles are refused
with a :class:`PipelineDefinitionError` naming the step and parameter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from driftloop.pipelines._graph import CycleError, Edge, topological_order
from driftloop.pipelines._types import compatible, describe, matches
from driftloop.pipelines.artifacts_io import is_json_ready
from driftloop.pipelines.errors import PipelineDefinitionError
from driftloop.pipelines.step import Step, StepParameter

_PIPELINE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
PARAMS_PREFIX = "params"
"""Wiring targets ``"params.<name>"`` name a pipeline parameter."""


@dataclass(frozen=True, slots=True)
class Binding:
    """Where a step parameter's value comes from: a step's output, or a pipeline parameter.

    Attributes:
        step: The producing step, or None for a pipeline parameter.
        name: The output's or the pipeline parameter's name.
    """

    step: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.step or PARAMS_PREFIX}.{self.name}"


@dataclass(frozen=True, slots=True)
class PipelineParameter:
    """A run-time parameter of a pipeline and the step parameters that read it.

    Attributes:
        name: The name passed to :func:`run_pipeline`.
        consumers: ``(step, parameter)`` pairs that read it.
        required: Whether some consumer has no default (so it must be given).
    """

    name: str
    consumers: tuple[tuple[Step, StepParameter], ...]

    @property
    def required(self) -> bool:
        """Whether some consumer has no default."""
        return any(parameter.required for _, parameter in self.consumers)


class Pipeline:
    """Steps wired into a DAG; see the module docstring for the rules.

    Example::

        pipeline = Pipeline("retrain", steps=[load, split, train, evaluate])
    """

    def __init__(
        self, name: str, steps: Sequence[Step], *, wiring: Mapping[str, str] | None = None
    ) -> None:
        """Build and check the pipeline.

        Args:
            name: The pipeline's name (parent run name and tag).
            steps: The steps, made with ``@step``.
            wiring: Explicit bindings ``{"step.parameter": "producer.output"}`` or
                ``{"step.parameter": "params.name"}``.

        Raises:
            PipelineDefinitionError: A name is malformed or repeated, an input is unknown,
                an output feeds a parameter of an incompatible type, or the steps form a cycle.
        """
        if not isinstance(name, str) or not _PIPELINE_NAME.match(name):
            raise PipelineDefinitionError(
                f"pipeline name must be 1-100 letters, digits, '_', '.' or '-', got {name!r}",
                field="name",
            )
        self.name = name
        self.steps: dict[str, Step] = _steps_by_name(steps)
        self._producers = _producers(self.steps)
        self.bindings: dict[str, dict[str, Binding]] = _bind(
            self.steps, self._producers, dict(wiring or {})
        )
        edges = [
            Edge(consumer, parameter, binding.step, binding.name)
            for consumer, bound in self.bindings.items()
            for parameter, binding in bound.items()
            if binding.step is not None
        ]
        _check_types(self.steps, edges)
        try:
            self.order = topological_order(list(self.steps), edges)
        except CycleError as error:
            first = error.cycle[0]
            raise PipelineDefinitionError(
                f"pipeline {name!r} has a cycle: {error}",
                field=f"{first.consumer}.{first.parameter}",
            ) from None
        self.parameters: dict[str, PipelineParameter] = self._parameters()

    def __repr__(self) -> str:
        return f"Pipeline({self.name!r}, steps={list(self.order)})"

    def producer_of(self, output: str) -> Step:
        """The step that produces ``output``; ``PipelineDefinitionError`` if none does."""
        if output not in self._producers:
            raise PipelineDefinitionError(
                f"pipeline {self.name!r} has no output {output!r}", field="output"
            )
        return self.steps[self._producers[output]]

    def check_params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Check run-time parameters: known names, required ones given, types and kinds.

        Values must be JSON data, pandas DataFrames or Series, or numpy arrays.

        Raises:
            PipelineDefinitionError: ``field`` is ``"params.<name>"``.
        """
        given = dict(params or {})
        for key, value in given.items():
            parameter = self.parameters.get(key) if isinstance(key, str) else None
            if parameter is None:
                known = ", ".join(sorted(self.parameters)) or "none"
                raise PipelineDefinitionError(
                    f"pipeline {self.name!r} has no parameter {key!r} (known: {known})",
                    field=f"{PARAMS_PREFIX}.{key}",
                )
            _check_value(parameter, value)
        for parameter in self.parameters.values():
            if parameter.required and parameter.name not in given:
                steps = ", ".join(
                    repr(step.name) for step, item in parameter.consumers if item.required
                )
                raise PipelineDefinitionError(
                    f"pipeline {self.name!r} needs the parameter {parameter.name!r} "
                    f"(read by step {steps})",
                    field=f"{PARAMS_PREFIX}.{parameter.name}",
                )
        return given

    def _parameters(self) -> dict[str, PipelineParameter]:
        consumers: dict[str, list[tuple[Step, StepParameter]]] = {}
        for step_name in self.order:
            step = self.steps[step_name]
            for parameter_name, binding in self.bindings[step_name].items():
                if binding.step is None:
                    parameter = step.parameter(parameter_name)
                    assert parameter is not None  # noqa: S101 - bindings come from parameters
                    consumers.setdefault(binding.name, []).append((step, parameter))
        return {name: PipelineParameter(name, tuple(items)) for name, items in consumers.items()}


def _steps_by_name(steps: object) -> dict[str, Step]:
    if not isinstance(steps, list | tuple) or not steps:
        raise PipelineDefinitionError("steps must be a non-empty list of steps", field="steps")
    by_name: dict[str, Step] = {}
    for item in steps:
        if not isinstance(item, Step):
            raise PipelineDefinitionError(
                f"steps must be made with @step; got {type(item).__qualname__} {item!r}",
                field="steps",
            )
        if item.name in by_name:
            raise PipelineDefinitionError(
                f"two steps are named {item.name!r}", field=f"{item.name}"
            )
        by_name[item.name] = item
    return by_name


def _producers(steps: Mapping[str, Step]) -> dict[str, str]:
    producers: dict[str, str] = {}
    for step in steps.values():
        for output in step.outputs:
            if output in producers:
                raise PipelineDefinitionError(
                    f"steps {producers[output]!r} and {step.name!r} both produce an output named "
                    f"{output!r}; output names must be unique in a pipeline",
                    field=f"{step.name}.outputs",
                )
            producers[output] = step.name
    return producers


def _bind(
    steps: Mapping[str, Step], producers: Mapping[str, str], wiring: dict[str, str]
) -> dict[str, dict[str, Binding]]:
    explicit = {key: _wiring_target(key, target, steps) for key, target in wiring.items()}
    bindings: dict[str, dict[str, Binding]] = {}
    for step in steps.values():
        bound: dict[str, Binding] = {}
        for parameter in step.parameters:
            key = f"{step.name}.{parameter.name}"
            if key in explicit:
                bound[parameter.name] = explicit.pop(key)
            elif parameter.name in producers:
                bound[parameter.name] = Binding(producers[parameter.name], parameter.name)
            else:
                bound[parameter.name] = Binding(None, parameter.name)
        bindings[step.name] = bound
    if explicit:
        key = next(iter(explicit))
        raise PipelineDefinitionError(
            f"wiring names the unknown input {key!r}: step {key.split('.')[0]!r} has no such "
            "parameter",
            field=key,
        )
    return bindings


def _wiring_target(key: object, target: object, steps: Mapping[str, Step]) -> Binding:
    if not isinstance(key, str) or key.count(".") != 1:
        raise PipelineDefinitionError(
            f"wiring keys are 'step.parameter', got {key!r}", field="wiring"
        )
    step_name, parameter = key.split(".")
    step = steps.get(step_name)
    if step is None or step.parameter(parameter) is None:
        what = "no step" if step is None else "no parameter"
        raise PipelineDefinitionError(
            f"wiring names the unknown input {key!r}: there is {what} of that name", field=key
        )
    if not isinstance(target, str) or target.count(".") != 1:
        raise PipelineDefinitionError(
            f"step {step_name!r} parameter {parameter!r} is wired to {target!r}; targets are "
            "'step.output' or 'params.name'",
            field=key,
        )
    source, name = target.split(".")
    if source == PARAMS_PREFIX:
        return Binding(None, name)
    producer = steps.get(source)
    if producer is None or name not in producer.outputs:
        raise PipelineDefinitionError(
            f"step {step_name!r} parameter {parameter!r} is wired to {target!r}, which is not "
            "an output of any step",
            field=key,
        )
    return Binding(source, name)


def _check_types(steps: Mapping[str, Step], edges: Sequence[Edge]) -> None:
    for edge in edges:
        producer = steps[edge.producer]
        produced = producer.output_types[producer.outputs.index(edge.output)]
        parameter = steps[edge.consumer].parameter(edge.parameter)
        assert parameter is not None  # noqa: S101 - edges come from parameters
        if not compatible(produced, parameter.annotation):
            raise PipelineDefinitionError(
                f"step {edge.consumer!r} parameter {edge.parameter!r} expects "
                f"{describe(parameter.annotation)} but step {edge.producer!r} output "
                f"{edge.output!r} is {describe(produced)}",
                field=f"{edge.consumer}.{edge.parameter}",
            )


def _check_value(parameter: PipelineParameter, value: Any) -> None:
    field = f"{PARAMS_PREFIX}.{parameter.name}"
    if not (is_json_ready(value) or type(value) in {pd.DataFrame, pd.Series, np.ndarray}):
        raise PipelineDefinitionError(
            f"pipeline parameter {parameter.name!r} must be JSON data, a DataFrame, a Series or "
            f"a numpy array; got {type(value).__qualname__}",
            field=field,
        )
    for step, item in parameter.consumers:
        if not matches(value, item.annotation):
            raise PipelineDefinitionError(
                f"pipeline parameter {parameter.name!r} is read by step {step.name!r} as "
                f"{describe(item.annotation)} but got {type(value).__qualname__} {value!r:.80}",
                field=field,
            )
