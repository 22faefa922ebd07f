"""The experiment: a named group of runs with its own artifact location."""

from __future__ import annotations

from dataclasses import dataclass, field

from driftloop.entities.lifecycle import LifecycleStage


@dataclass(frozen=True, slots=True)
class Experiment:
    """A named collection of runs.

    Attributes:
        experiment_id: String id (MLflow sends ids as strings).
        name: Unique name.
        artifact_location: URI under which each run gets ``<run_id>/artifacts``.
        lifecycle_stage: ``active`` or ``deleted`` (soft delete, restorable).
        creation_time: Milliseconds since the epoch.
        last_update_time: Milliseconds since the epoch.
        tags: Experiment tags.
    """

    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: LifecycleStage
    creation_time: int
    last_update_time: int
    tags: dict[str, str] = field(default_factory=dict)
