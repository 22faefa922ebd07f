"""The model registry: registered models, their versions and aliases, and the event log."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class ModelVersionStatus(enum.StrEnum):
    """Where a model version is in its registration, with MLflow's names."""

    PENDING_REGISTRATION = "PENDING_REGISTRATION"
    FAILED_REGISTRATION = "FAILED_REGISTRATION"
    READY = "READY"


@dataclass(frozen=True, slots=True)
class RegisteredModel:
    """A named model whose versions are registered over time.

    Attributes:
        name: Unique name.
        creation_timestamp: Milliseconds since the epoch.
        last_updated_timestamp: Milliseconds since the epoch; moves on rename, description
            change and version creation or deletion.
        description: Free text, or None.
        tags: Model tags.
        aliases: Alias name -> the version it points at.
    """

    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    description: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """One registered version of a model.

    Attributes:
        name: The registered model's name.
        version: 1, 2, 3 ... per model; a deleted version's number is never reused.
        creation_timestamp: Milliseconds since the epoch.
        last_updated_timestamp: Milliseconds since the epoch.
        description: Free text, or None.
        source: Where the model's files are (a URI or path).
        run_id: The run that produced it, or None.
        status: The registration status.
        status_message: Why the status is what it is, or None.
        tags: Version tags.
        aliases: The aliases pointing at this version, sorted.
        created_by: Who registered it, or None when unknown.
    """

    name: str
    version: int
    creation_timestamp: int
    last_updated_timestamp: int
    description: str | None
    source: str
    run_id: str | None
    status: ModelVersionStatus
    status_message: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    created_by: str | None = None


class RegistryEventType(enum.StrEnum):
    """What a registry event records."""

    REGISTERED_MODEL_CREATED = "REGISTERED_MODEL_CREATED"
    REGISTERED_MODEL_RENAMED = "REGISTERED_MODEL_RENAMED"
    REGISTERED_MODEL_DELETED = "REGISTERED_MODEL_DELETED"
    MODEL_VERSION_CREATED = "MODEL_VERSION_CREATED"
    MODEL_VERSION_DELETED = "MODEL_VERSION_DELETED"
    MODEL_VERSION_STATUS_CHANGED = "MODEL_VERSION_STATUS_CHANGED"
    ALIAS_SET = "ALIAS_SET"
    ALIAS_DELETED = "ALIAS_DELETED"
    DEPLOYMENT_CREATED = "DEPLOYMENT_CREATED"
    DEPLOYMENT_UPDATED = "DEPLOYMENT_UPDATED"
    DEPLOYMENT_PROMOTED = "DEPLOYMENT_PROMOTED"
    DEPLOYMENT_ROLLED_BACK = "DEPLOYMENT_ROLLED_BACK"
    DEPLOYMENT_DELETED = "DEPLOYMENT_DELETED"


@dataclass(frozen=True, slots=True)
class RegistryEvent:
    """One entry of the registry's append-only event log.

    Attributes:
        event_id: Strictly increasing, in commit order: a reader that resumes after the last
            id it saw misses no event.
        timestamp: Milliseconds since the epoch.
        actor: Who made the change (``"unknown"`` when the caller did not say).
        event_type: What happened.
        model_name: The model's name when it happened (the old name for a rename).
        version: The version concerned, or None.
        alias: The alias concerned, or None.
        from_version: For alias events, the version the alias pointed at before (None if new).
        to_version: For alias events, the version it points at after (None if deleted).
        details: Extra facts, e.g. ``new_name`` for a rename or ``from_status``/``to_status``.
    """

    event_id: int
    timestamp: int
    actor: str
    event_type: RegistryEventType
    model_name: str
    version: int | None = None
    alias: str | None = None
    from_version: int | None = None
    to_version: int | None = None
    details: Mapping[str, str] = field(default_factory=dict)
