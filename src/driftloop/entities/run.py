"""The run: one execution of training code, with what it logged."""

from __future__ import annotations

from dataclasses import dataclass, field

from driftloop.entities.dataset import DatasetInput
from driftloop.entities.lifecycle import LifecycleStage, RunStatus
from driftloop.entities.metric import Metric

PARENT_RUN_ID_TAG = "mlflow.parentRunId"
RUN_NAME_TAG = "mlflow.runName"


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Metadata of a run (MLflow's ``RunInfo``).

    Attributes:
        run_id: 32-character hex id.
        experiment_id: The experiment the run belongs to.
        run_name: Display name.
        user_id: Who started it.
        status: Current :class:`RunStatus`.
        start_time: Milliseconds since the epoch.
        end_time: Milliseconds since the epoch, or None while running.
        artifact_uri: Root URI of the run's artifacts.
        lifecycle_stage: ``active`` or ``deleted``.
    """

    run_id: str
    experiment_id: str
    run_name: str
    user_id: str
    status: RunStatus
    start_time: int
    end_time: int | None
    artifact_uri: str
    lifecycle_stage: LifecycleStage


@dataclass(frozen=True, slots=True)
class RunData:
    """What a run logged: the latest value of each metric, its params and tags."""

    latest_metrics: dict[str, Metric] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def metrics(self) -> dict[str, float]:
        """Latest value of each metric, by key (the shape MLflow users index into)."""
        return {key: metric.value for key, metric in self.latest_metrics.items()}


@dataclass(frozen=True, slots=True)
class RunInputs:
    """Datasets the run consumed."""

    dataset_inputs: tuple[DatasetInput, ...] = ()


@dataclass(frozen=True, slots=True)
class Run:
    """A run: its info, its data and its inputs."""

    info: RunInfo
    data: RunData = field(default_factory=RunData)
    inputs: RunInputs = field(default_factory=RunInputs)

    @property
    def run_id(self) -> str:
        """Shortcut for ``info.run_id``."""
        return self.info.run_id

    @property
    def parent_run_id(self) -> str | None:
        """The parent run's id for a nested run, else None."""
        return self.data.tags.get(PARENT_RUN_ID_TAG)
