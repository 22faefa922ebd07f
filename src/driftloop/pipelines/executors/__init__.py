"""Where step functions run: in this process (``local``) or as Ray tasks (``ray``)."""

from driftloop.pipelines.executors.base import Executor, StepExecutionError
from driftloop.pipelines.executors.local import LocalExecutor
from driftloop.pipelines.executors.ray import RayExecutor

__all__ = ["Executor", "LocalExecutor", "RayExecutor", "StepExecutionError"]
