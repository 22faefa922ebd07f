"""The ``gates`` section of a CT policy: what a challenger must pass before it sees traffic."""

from __future__ import annotations

from pydantic import Field, field_validator

from driftloop.ct._policy_values import Direction, PolicySection, field_error

__all__ = ["GatesSpec"]


class GatesSpec(PolicySection):
    """Offline checks of a challenger against the champion on the same holdout.

    Attributes:
        metric: The metric both models are scored on (e.g. ``f1``, ``rmse``).
        higher_is_better: Inferred for known metrics (accuracy, f1, roc_auc, r2, ... higher;
            log_loss, rmse, mae, ... lower); required for any other.
        margin: The challenger passes when it is at least ``margin`` better than the champion
            (in the better direction); 0 lets a tie pass.
        slices: Columns whose every value is gated separately, with the same rule.
        data_validation: Check the training window against the champion's reference profile
            (schema, missing values) before training.
        latency_budget_ms: The challenger's p99 prediction latency on the holdout must stay
            under this, or None for no latency gate.
    """

    metric: str = Field(min_length=1)
    higher_is_better: Direction = Field(default=None, validate_default=True)
    margin: float = Field(default=0.0, ge=0.0)
    slices: tuple[str, ...] = Field(default=(), strict=False)
    data_validation: bool = True
    latency_budget_ms: float | None = Field(default=None, gt=0.0)

    @field_validator("slices")
    @classmethod
    def _distinct_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for position, name in enumerate(value):
            if not name.strip():
                raise field_error(str(position), "must be a column name, not empty")
            if name in value[:position]:
                raise field_error(str(position), f"column {name!r} is listed twice")
        return value
