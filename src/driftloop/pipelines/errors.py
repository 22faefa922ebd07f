"""The errors of pipelines, subclasses of driftloop's one error base.

A mistake in how a pipeline is put together or called (:class:`PipelineDefinitionError`) is
raised before any run is created. Anything that goes wrong while a step runs ends that
step's child run and the parent run as ``FAILED`` and surfaces as one
:class:`PipelineFailedError` naming the step, with the original error chained.
"""

from __future__ import annotations

from driftloop.errors import DriftloopError, InvalidParameterError


class PipelineDefinitionError(InvalidParameterError):
    """A step or pipeline is malformed (unknown input, cycle, bad parameter value...).

    ``field`` names the step and parameter as ``"<step>.<parameter>"`` where there is one.
    """


class StepOutputError(InvalidParameterError):
    """A step returned something that does not match its declared outputs or their types."""


class StepInputError(InvalidParameterError):
    """A value given to a step does not match the type its parameter declares."""


class UnsafeValueError(InvalidParameterError):
    """A step output (or input) cannot be stored without pickle and the step is not trusted.

    ``field`` is ``"<step>.<output>"``. Declaring the step ``@step(trusted=True)`` allows
    pickle for its values.
    """

    code = "UNSAFE_VALUE"


class PipelineFailedError(DriftloopError):
    """A step failed; its child run and the parent run are ``FAILED``.

    Attributes:
        pipeline: The pipeline's name.
        step: The step that failed.
        parent_run_id: The parent run.
        step_run_id: The failed step's child run (holds ``error.txt``).
    """

    code = "PIPELINE_FAILED"
    http_status = 500

    def __init__(
        self, message: str, *, pipeline: str, step: str, parent_run_id: str, step_run_id: str
    ) -> None:
        super().__init__(message, field=step)
        self.pipeline = pipeline
        self.step = step
        self.parent_run_id = parent_run_id
        self.step_run_id = step_run_id
