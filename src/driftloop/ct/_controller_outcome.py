"""What one controller tick did: the line ``driftloop controller`` prints for it."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from driftloop.entities import CtPhase

__all__ = ["TickAction", "TickOutcome"]


class TickAction(enum.StrEnum):
    """The kind of thing a tick did."""

    STANDBY = "standby"
    """Another replica holds the deployment's lease; this one did nothing."""
    IDLE = "idle"
    """No episode and no trigger fired (or one was held back by the cooldown)."""
    STARTED = "started"
    """A trigger fired: an episode started."""
    ADVANCED = "advanced"
    """The episode took a step (a phase, a canary step, a trained or registered model)."""
    HOLD = "hold"
    """The episode waits (a rollout phase has not held long enough yet)."""
    FINISHED = "finished"
    """The episode ended: promoted, rolled back, rejected or failed."""
    ERROR = "error"
    """The tick failed; nothing was recorded and the next tick tries again."""


_PROGRESS = frozenset({TickAction.STARTED, TickAction.ADVANCED, TickAction.FINISHED})


@dataclass(frozen=True, slots=True)
class TickOutcome:
    """One tick's decision.

    Attributes:
        deployment: The deployment.
        action: What the tick did.
        message: The decision in words (one line).
        episode_id: The episode it concerned, or None.
        phase: The episode's phase after the tick, or None.
        evidence: The numbers behind the decision (JSON-ready).
    """

    deployment: str
    action: TickAction
    message: str
    episode_id: str | None = None
    phase: CtPhase | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def progressed(self) -> bool:
        """True when the tick changed recorded state (the next tick can follow at once)."""
        return self.action in _PROGRESS
