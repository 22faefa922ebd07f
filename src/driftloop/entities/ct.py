"""Continuous training: episodes of the controller's state machine, their events, leases.

An episode is one pass of the loop for one deployment: a trigger fires, a pipeline trains a
challenger, gates judge it, a rollout (shadow, canary steps) exposes it, and it ends promoted,
rolled back, rejected or failed. The controller keeps the episode in the store so that a
restart resumes at the recorded phase; every decision is also an event with its evidence.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class TriggerKind(enum.StrEnum):
    """What started an episode."""

    DRIFT = "drift"
    PERFORMANCE = "performance"
    SCHEDULE = "schedule"
    NEW_LABELS = "new_labels"
    MANUAL = "manual"
    REFILL = "refill"
    """The champion was trained on a window cut at a change point; that window has filled."""


class CtPhase(enum.StrEnum):
    """Where an episode is; the last four are terminal (the episode never changes again).

    ``rejected``: a gate failed, the champion is untouched. ``failed``: the pipeline (or the
    controller) failed. ``rolled_back``: the challenger was dropped during rollout.
    """

    TRIGGERED = "triggered"
    TRAINING = "training"
    GATING = "gating"
    SHADOW = "shadow"
    CANARY = "canary"
    PROMOTED = "promoted"
    ROLLED_BACK = "rolled_back"
    REJECTED = "rejected"
    FAILED = "failed"

    @property
    def terminal(self) -> bool:
        """True for ``promoted``, ``rolled_back``, ``rejected`` and ``failed``."""
        return self in _TERMINAL


_TERMINAL = frozenset({CtPhase.PROMOTED, CtPhase.ROLLED_BACK, CtPhase.REJECTED, CtPhase.FAILED})

CT_TRANSITIONS: Mapping[CtPhase, frozenset[CtPhase]] = {
    CtPhase.TRIGGERED: frozenset({CtPhase.TRAINING, CtPhase.FAILED}),
    CtPhase.TRAINING: frozenset({CtPhase.GATING, CtPhase.FAILED}),
    CtPhase.GATING: frozenset(
        {CtPhase.SHADOW, CtPhase.CANARY, CtPhase.PROMOTED, CtPhase.REJECTED, CtPhase.FAILED}
    ),
    CtPhase.SHADOW: frozenset(
        {CtPhase.CANARY, CtPhase.PROMOTED, CtPhase.ROLLED_BACK, CtPhase.FAILED}
    ),
    CtPhase.CANARY: frozenset({CtPhase.PROMOTED, CtPhase.ROLLED_BACK, CtPhase.FAILED}),
    CtPhase.PROMOTED: frozenset(),
    CtPhase.ROLLED_BACK: frozenset(),
    CtPhase.REJECTED: frozenset(),
    CtPhase.FAILED: frozenset(),
}
"""The phases each phase may move to. A policy without shadow goes gating -> canary; one
without canary steps goes shadow -> promoted; one with no rollout at all gating -> promoted."""


class CtEventKind(enum.StrEnum):
    """The event kinds the controller writes (the store accepts any ``[a-z][a-z0-9_]*``)."""

    CONTROLLER_STARTED = "controller_started"
    LEASE_ACQUIRED = "lease_acquired"
    TRIGGER_FIRED = "trigger_fired"
    PIPELINE_STARTED = "pipeline_started"
    PIPELINE_FINISHED = "pipeline_finished"
    PIPELINE_FAILED = "pipeline_failed"
    CHALLENGER_REGISTERED = "challenger_registered"
    GATE_PASSED = "gate_passed"
    GATE_FAILED = "gate_failed"
    SHADOW_STARTED = "shadow_started"
    CANARY_STEP = "canary_step"
    PROMOTED = "promoted"
    ROLLED_BACK = "rolled_back"


@dataclass(frozen=True, slots=True)
class CtEpisode:
    """One continuous-training episode of a deployment.

    Attributes:
        episode_id: Unique id (32 hex characters).
        deployment: The deployment it retrains.
        phase: Where it is.
        trigger: What started it.
        evidence: Why it started (JSON-ready: the trigger's numbers).
        pipeline_run_id: The training pipeline's parent run, once started.
        challenger_version: The registered challenger version, once registered.
        champion_version: The champion version when the episode started.
        canary_step: Index into the policy's canary steps; -1 before the canary phase.
        phase_started: When the current phase (in ``canary``: the current step) began,
            milliseconds since the epoch.
        revision: 1 at the start, +1 on every change: the compare-and-set token.
        created: When it started, milliseconds since the epoch.
        updated: When it last changed (for a terminal episode: when it ended).
        message: The outcome or the last failure, in words, or None.
    """

    episode_id: str
    deployment: str
    phase: CtPhase
    trigger: TriggerKind
    evidence: Mapping[str, Any]
    pipeline_run_id: str | None
    challenger_version: int | None
    champion_version: int | None
    canary_step: int
    phase_started: int
    revision: int
    created: int
    updated: int
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The episode as JSON-ready data (the REST API's and ``driftloop ct --json``'s)."""
        return {
            "episode_id": self.episode_id,
            "deployment": self.deployment,
            "phase": self.phase.value,
            "trigger": self.trigger.value,
            "evidence": dict(self.evidence),
            "pipeline_run_id": self.pipeline_run_id,
            "challenger_version": self.challenger_version,
            "champion_version": self.champion_version,
            "canary_step": self.canary_step,
            "phase_started": self.phase_started,
            "revision": self.revision,
            "created": self.created,
            "updated": self.updated,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class CtEvent:
    """One entry of a deployment's continuous-training event log (append-only).

    Attributes:
        event_id: Increasing in commit order across all deployments.
        deployment: The deployment it is about.
        episode_id: The episode it belongs to, or None (e.g. ``controller_started``).
        timestamp: When it happened, milliseconds since the epoch.
        kind: What happened, e.g. ``trigger_fired`` (see :class:`CtEventKind`).
        message: The decision in words.
        evidence: The numbers behind the decision (JSON-ready).
    """

    event_id: int
    deployment: str
    episode_id: str | None
    timestamp: int
    kind: str
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The event as JSON-ready data (the REST API's and ``driftloop ct --json``'s)."""
        return {
            "event_id": self.event_id,
            "deployment": self.deployment,
            "episode_id": self.episode_id,
            "timestamp": self.timestamp,
            "kind": self.kind,
            "message": self.message,
            "evidence": dict(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class CtLease:
    """A named lease: the controller replica that holds it acts, the others stand by.

    Attributes:
        name: The lease's name (e.g. ``ct-controller``).
        holder: Who holds it (a replica id).
        expires: When it lapses unless renewed, milliseconds since the epoch.
        acquired: When this holder took it (kept across renewals).
    """

    name: str
    holder: str
    expires: int
    acquired: int
