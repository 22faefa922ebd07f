"""The executor interface: where a step's function runs.

An executor only computes: it calls the step's function with its inputs and returns what the
function returned. Runs, artifacts and caching stay in the process that called
:func:`~driftloop.pipelines.run_pipeline` (the driver), whatever the executor.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from driftloop.pipelines.step import Step


class StepExecutionError(Exception):
    """The step's function raised; carries the original error and its traceback as text.

    Executors raise this so the driver can record the failure the same way whether the
    function ran in this process or on a Ray worker.

    Attributes:
        error: The exception the function raised (or the executor's own, e.g. a lost worker).
        traceback_text: The formatted traceback, as seen where the function ran.
    """

    def __init__(self, error: BaseException, traceback_text: str) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error
        self.traceback_text = traceback_text


class Executor(abc.ABC):
    """Runs step functions; see the module docstring.

    Attributes:
        name: Recorded on the parent run (``driftloop.pipeline.executor``).
    """

    name: ClassVar[str]

    @abc.abstractmethod
    def run_step(self, step: Step, inputs: Mapping[str, Any]) -> Any:
        """Call ``step.func(**inputs)`` and return its result.

        Raises:
            StepExecutionError: The function raised (or could not be run).
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Release what the executor holds (called by ``run_pipeline`` for executors it made)."""
