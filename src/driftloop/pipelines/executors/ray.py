"""The Ray executor: each step's function runs as one Ray task.

The task receives the step's function and its input values (shipped with Ray's own
serialization, i.e. cloudpickle, inside the cluster you connect to) and returns the
function's result to the driver. The driver does everything else: it creates the runs,
stores the outputs as artifacts without pickle, and checks the cache, so workers need no
access to the tracking server or the artifact store.

Ray is optional: ``pip install 'driftloop[ray]'``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

from driftloop.errors import MissingDependencyError
from driftloop.pipelines.executors.base import Executor, StepExecutionError

if TYPE_CHECKING:
    from driftloop.pipelines.step import Step


def _call(func: Callable[..., Any], inputs: dict[str, Any]) -> Any:
    """The task body: runs on a Ray worker."""
    return func(**inputs)


def import_ray() -> ModuleType:
    """Import ray, or raise ``MissingDependencyError`` with the install line."""
    try:
        return importlib.import_module("ray")
    except ImportError as error:
        raise MissingDependencyError("ray", "ray") from error


class RayExecutor(Executor):
    """Runs each step as a Ray task on the cluster at ``address`` (or a local instance).

    If Ray is already initialized in this process (``ray.init(...)`` by the caller), that
    connection is used. Otherwise the first step calls ``ray.init(address=address,
    **init_options)``; with ``address=None`` Ray connects to ``RAY_ADDRESS`` if set, else
    starts a local instance. :meth:`close` shuts Ray down only when this executor started it
    and ``shutdown=True``: a local instance takes seconds to start, so by default it stays up
    for the next pipeline run (Ray stops it when the process exits).
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        *,
        num_cpus: float = 1,
        init_options: Mapping[str, Any] | None = None,
        shutdown: bool = False,
    ) -> None:
        """Prepare the executor; Ray is imported now, connected on the first step.

        Args:
            address: The cluster (``ray://host:10001``, ``auto``), or None for ``RAY_ADDRESS``
                or a local instance.
            num_cpus: CPUs each step's task reserves.
            init_options: More ``ray.init`` arguments (e.g. ``{"num_cpus": 2}`` for a local
                instance, ``{"runtime_env": {...}}``).
            shutdown: Whether :meth:`close` shuts down a Ray instance this executor started.

        Raises:
            MissingDependencyError: ray is not installed.
        """
        self._ray = import_ray()
        self._address = address
        self._num_cpus = num_cpus
        self._init_options = {"include_dashboard": False, **dict(init_options or {})}
        self._shutdown = shutdown
        self._started = False
        self._task: Any = None

    def run_step(self, step: Step, inputs: Mapping[str, Any]) -> Any:
        """Run the function as a Ray task and wait for its result.

        Raises:
            StepExecutionError: The function raised on the worker (the original error and
                the worker's traceback are kept), or Ray could not run the task.
        """
        ray = self._ray
        if not ray.is_initialized():
            ray.init(address=self._address, **self._init_options)
            self._started = True
        if self._task is None:
            self._task = ray.remote(num_cpus=self._num_cpus, max_retries=0)(_call)
        try:
            reference = self._task.options(name=f"driftloop-step-{step.name}").remote(
                step.func, dict(inputs)
            )
            return ray.get(reference)
        except ray.exceptions.RayTaskError as error:
            cause = getattr(error, "cause", None)
            original = cause if isinstance(cause, BaseException) else error
            raise StepExecutionError(original, str(error)) from original
        except ray.exceptions.RayError as error:
            raise StepExecutionError(error, str(error)) from error

    def close(self) -> None:
        """Shut Ray down if this executor started it and was asked to (``shutdown=True``)."""
        if self._started and self._shutdown:
            self._ray.shutdown()
            self._started = False
