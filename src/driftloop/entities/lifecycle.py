"""Enumerations shared by tracking entities: lifecycle stages, run status, view types."""

from __future__ import annotations

import enum


class LifecycleStage(enum.StrEnum):
    """Whether an experiment or run is live or soft-deleted (restorable)."""

    ACTIVE = "active"
    DELETED = "deleted"


class RunStatus(enum.StrEnum):
    """The state of a run, with MLflow's names."""

    RUNNING = "RUNNING"
    SCHEDULED = "SCHEDULED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"

    @property
    def is_terminated(self) -> bool:
        """True for the states a run does not leave on its own."""
        return self in {RunStatus.FINISHED, RunStatus.FAILED, RunStatus.KILLED}


class ViewType(enum.StrEnum):
    """Which lifecycle stages a search returns."""

    ACTIVE_ONLY = "ACTIVE_ONLY"
    DELETED_ONLY = "DELETED_ONLY"
    ALL = "ALL"

    def stages(self) -> frozenset[LifecycleStage]:
        """The lifecycle stages this view admits."""
        if self is ViewType.ACTIVE_ONLY:
            return frozenset({LifecycleStage.ACTIVE})
        if self is ViewType.DELETED_ONLY:
            return frozenset({LifecycleStage.DELETED})
        return frozenset(LifecycleStage)
