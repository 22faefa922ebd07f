"""The logged model (MLflow 3): a model logged in an experiment, apart from any run."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from driftloop.entities.lifecycle import LifecycleStage


class LoggedModelStatus(enum.StrEnum):
    """Upload state of a logged model, with MLflow's names."""

    PENDING = "LOGGED_MODEL_PENDING"
    READY = "LOGGED_MODEL_READY"
    UPLOAD_FAILED = "LOGGED_MODEL_UPLOAD_FAILED"


@dataclass(frozen=True, slots=True)
class LoggedModel:
    """A model logged in an experiment, addressed as ``models:/<model_id>``.

    Attributes:
        model_id: ``m-`` followed by 32 hex characters.
        experiment_id: The experiment the model belongs to.
        name: Display name (e.g. ``"model"``).
        artifact_location: URI of the model's files.
        creation_timestamp: Milliseconds since the epoch.
        last_updated_timestamp: Milliseconds since the epoch.
        status: :class:`LoggedModelStatus`; ``PENDING`` until the upload is finalized.
        lifecycle_stage: ``active`` or ``deleted``.
        model_type: Free-form type label, or None.
        source_run_id: The run that logged the model, or None.
        status_message: Why the upload failed, or None.
        tags: Model tags.
        params: Model params.
    """

    model_id: str
    experiment_id: str
    name: str
    artifact_location: str
    creation_timestamp: int
    last_updated_timestamp: int
    status: LoggedModelStatus = LoggedModelStatus.PENDING
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE
    model_type: str | None = None
    source_run_id: str | None = None
    status_message: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
