"""The local executor: each step's function is called in this process, one after another."""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from driftloop.pipelines.executors.base import Executor, StepExecutionError

if TYPE_CHECKING:
    from driftloop.pipelines.step import Step


class LocalExecutor(Executor):
    """Calls step functions in the calling process and thread."""

    name = "local"

    def run_step(self, step: Step, inputs: Mapping[str, Any]) -> Any:
        """Call the function; wraps what it raises in :class:`StepExecutionError`."""
        try:
            return step.func(**inputs)
        except Exception as error:
            raise StepExecutionError(error, "".join(traceback.format_exception(error))) from error

    def close(self) -> None:
        """Nothing to release."""
