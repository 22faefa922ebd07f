"""The ``rollout`` section of a CT policy: shadow, canary steps, and when to roll back."""

from __future__ import annotations

from typing import Self

from pydantic import Field, field_validator, model_validator

from driftloop.ct._policy_values import (
    Duration,
    OptionalDirection,
    PolicySection,
    field_error,
)

__all__ = ["CanarySpec", "HoldSpec", "RollbackSpec", "RolloutSpec", "ShadowSpec"]


class ShadowSpec(PolicySection):
    """The challenger scores a copy of ``requests`` live requests before any canary step.

    ``requests: 0`` skips the shadow phase.
    """

    requests: int = Field(default=1000, ge=0)


class HoldSpec(PolicySection):
    """How long each canary step lasts before the next one.

    ``requests`` answered by the challenger, ``duration`` of wall time, or both (then the
    step lasts until both are reached). At least one is set.
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
        hold: How long every step lasts before the next (default: 500 challenger requests).
    """

    steps: tuple[float, ...] = Field(default=(0.1, 0.5, 1.0), strict=False, min_length=1)
    hold: HoldSpec = Field(default_factory=lambda: HoldSpec(requests=500))

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


class RolloutSpec(PolicySection):
    """Shadow first, then canary steps, watched by the rollback rules.

    Attributes:
        shadow: The shadow phase (default: 1000 requests).
        canary: The canary steps, or None to promote right after the shadow phase.
        rollback: The rollback rules.
    """

    shadow: ShadowSpec = Field(default_factory=ShadowSpec)
    canary: CanarySpec | None = Field(default_factory=CanarySpec)
    rollback: RollbackSpec = Field(default_factory=RollbackSpec)
