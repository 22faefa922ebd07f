"""The ``rollout`` section of a CT policy: shadow, canary steps, and when to roll back."""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import Field, field_validator, model_validator

from driftloop.ct._policy_values import (
    Duration,
    OptionalDirection,
    PolicySection,
    field_error,
)

__all__ = [
    "DEFAULT_PHASE_DURATION",
    "CanarySpec",
    "FastTrackSpec",
    "HoldSpec",
    "RollbackSpec",
    "RolloutSpec",
    "ShadowSpec",
]


DEFAULT_PHASE_DURATION = timedelta(minutes=10)
"""How long a shadow phase or canary step lasts at most by default, whatever the traffic."""


class ShadowSpec(PolicySection):
    """The challenger scores copies of live requests before any canary step.

    The phase ends when the challenger has scored ``requests`` copies or when ``duration``
    has passed, whichever comes first (``duration: null``: requests only). ``requests: 0``
    skips the shadow phase.
    """

    requests: int = Field(default=1000, ge=0)
    duration: Duration | None = DEFAULT_PHASE_DURATION


class HoldSpec(PolicySection):
    """How long each canary step lasts before the next one.

    ``requests`` answered by the challenger or ``duration`` of wall time, whichever comes
    first when both are set (the issue's "held for N requests or T minutes": at high
    traffic the request count ends a step, at low traffic the duration does). At least one
    is set.
    """

    requests: int | None = Field(default=None, ge=1)
    duration: Duration | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> Self:
        if self.requests is None and self.duration is None:
            raise field_error("", "set 'requests', 'duration' or both")
        return self


class CanarySpec(PolicySection):
    """Traffic steps for the challenger.

    Attributes:
        steps: Fractions of requests answered by the challenger, strictly increasing, each
            in (0, 1]. The list need not end at 1.0: after the last step has held, the
            challenger is promoted (it then answers every request as the champion). Ending at
            1.0 adds a step where the challenger answers everything while a rollback still
            restores the champion.
        hold: How long every step lasts before the next (default: 500 challenger requests
            or 10 minutes, whichever comes first).
    """

    steps: tuple[float, ...] = Field(default=(0.1, 0.5, 1.0), strict=False, min_length=1)
    hold: HoldSpec = Field(
        default_factory=lambda: HoldSpec(requests=500, duration=DEFAULT_PHASE_DURATION)
    )

    @field_validator("steps")
    @classmethod
    def _increasing_fractions(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        for position, step in enumerate(value):
            if not 0.0 < step <= 1.0:
                raise field_error(str(position), f"must be a fraction in (0, 1], got {step}")
            if position and step <= value[position - 1]:
                raise field_error(
                    str(position),
                    f"must be greater than the step before ({value[position - 1]}), got {step}",
                )
        return value


class RollbackSpec(PolicySection):
    """When a challenger on live traffic is rolled back (checked during shadow and canary).

    Attributes:
        metric: The live metric compared between challenger and champion; None means the
            gates' metric.
        higher_is_better: Inferred for known metrics; None (with ``metric`` None) means the
            gates' direction.
        margin: Roll back when the challenger is worse than the champion by more than this.
        min_samples: Labelled predictions each model needs before the metric is compared.
        max_error_rate: Roll back when the challenger's share of failed requests exceeds
            this (0..1); None for no check.
        max_p99_ms: Roll back when the challenger's p99 latency exceeds this; None for no check.
    """

    metric: str | None = Field(default=None, min_length=1)
    higher_is_better: OptionalDirection = Field(default=None, validate_default=True)
    margin: float = Field(default=0.0, ge=0.0)
    min_samples: int = Field(default=100, ge=1)
    max_error_rate: float | None = Field(default=None, ge=0.0, le=1.0)
    max_p99_ms: float | None = Field(default=None, gt=0.0)

    @model_validator(mode="after")
    def _direction_needs_metric(self) -> Self:
        if self.metric is None and self.higher_is_better is not None:
            raise field_error("higher_is_better", "only used with 'metric'")
        return self


class FastTrackSpec(PolicySection):
    """When the champion is failing, do not keep most traffic on it through a long rollout.

    An episode started by the performance trigger (live labels showed the champion out of
    bounds) whose challenger beat the champion on the gates' metric by at least
    ``min_relative_gain`` (relative to the champion's value, in the better direction: 0.1 is
    10% better) skips the shadow phase and the earlier canary steps: it starts at the last
    canary step, held and watched by the rollback rules as usual (no canary steps: it is
    promoted at once). Canary steps limit the harm of an unproven challenger; here the
    proven harm is the champion's.
    """

    min_relative_gain: float = Field(default=0.1, gt=0.0)


class RolloutSpec(PolicySection):
    """Shadow first, then canary steps, watched by the rollback rules.

    Attributes:
        shadow: The shadow phase (default: 1000 requests or 10 minutes).
        canary: The canary steps, or None to promote right after the shadow phase.
        rollback: The rollback rules.
        fast_track: When a failing champion is replaced at once (default on, 10% better);
            None always runs the whole rollout.
    """

    shadow: ShadowSpec = Field(default_factory=ShadowSpec)
    canary: CanarySpec | None = Field(default_factory=CanarySpec)
    rollback: RollbackSpec = Field(default_factory=RollbackSpec)
    fast_track: FastTrackSpec | None = Field(default_factory=FastTrackSpec)
