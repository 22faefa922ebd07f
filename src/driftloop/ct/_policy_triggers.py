"""The ``triggers`` section of a CT policy: what starts a retraining, and how often at most."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from pydantic import Field, field_validator, model_validator

from driftloop.ct._policy_values import Direction, Duration, PolicySection, field_error

__all__ = [
    "DriftTrigger",
    "NewLabelsTrigger",
    "PerformanceTrigger",
    "ScheduleTrigger",
    "TriggersSpec",
]

_CRON_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


class DriftTrigger(PolicySection):
    """Fires on ``consecutive`` DRIFT verdicts in a row from windows newer than the last training.

    A NO_DRIFT verdict breaks the run; INSUFFICIENT_DATA windows are skipped (neither count
    nor break it).
    """

    consecutive: int = Field(default=2, ge=1)


class PerformanceTrigger(PolicySection):
    """Fires when the live value of ``metric`` is out of bounds, once ``min_labels`` labels back it.

    Attributes:
        metric: A performance metric the monitor computes from feedback (e.g. ``accuracy``).
        higher_is_better: Inferred for known metrics (see ``HIGHER_IS_BETTER``); required
            for any other.
        min: Fires when the live value is below it.
        max: Fires when the live value is above it.
        max_drop: Fires when the live value is worse than the champion's validation value by
            more than this (in the metric's better direction).
        min_labels: Labelled predictions the live value must rest on.
        recent: At every tick the controller also scores the champion's newest ``recent``
            labelled answers since the last training straight from the inference log and
            feedback, so a drop is seen as soon as its labels arrive rather than at the next
            monitor run; that value is used when it rests on ``min_labels`` labels (it is
            never older than a monitor run's). 0 leaves only the monitor runs.
    """

    metric: str = Field(min_length=1)
    higher_is_better: Direction = Field(default=None, validate_default=True)
    min: float | None = None
    max: float | None = None
    max_drop: float | None = Field(default=None, ge=0.0)
    min_labels: int = Field(default=100, ge=1)
    recent: int = Field(default=500, ge=0)

    @model_validator(mode="after")
    def _has_a_bound(self) -> Self:
        if self.min is None and self.max is None and self.max_drop is None:
            raise field_error("", "set at least one of 'min', 'max' or 'max_drop'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise field_error("max", f"must be >= min ({self.min})")
        return self


class ScheduleTrigger(PolicySection):
    """Fires once when a tick of ``cron`` has passed since the last schedule firing or training.

    Attributes:
        cron: A five-field cron expression (minute hour day-of-month month day-of-week), or
            one of ``@hourly``, ``@daily``, ``@weekly``, ``@monthly``, ``@yearly``.
        timezone: The IANA time zone the expression is read in.
    """

    cron: str
    timezone: str = "UTC"

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        expression = _CRON_ALIASES.get(value.strip().lower(), value)
        if len(expression.split()) != 5:
            raise ValueError(
                f"{value!r} is not a cron expression: expected 5 fields "
                "(minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/..."
            )
        try:
            next(CronSim(expression, datetime(2000, 1, 1, tzinfo=UTC)))
        except CronSimError as exc:
            raise ValueError(f"{value!r} is not a valid cron expression: {exc}") from None
        except StopIteration:
            raise ValueError(f"{value!r} never fires") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA time zone (e.g. UTC, Europe/Paris)"
            ) from None
        return value

    def next_tick_ms(self, after_ms: int) -> int | None:
        """The first tick strictly after ``after_ms`` (ms since the epoch), or None if none."""
        zone = ZoneInfo(self.timezone)
        start = datetime.fromtimestamp(after_ms / 1000, tz=UTC).astimezone(zone)
        expression = _CRON_ALIASES.get(self.cron.strip().lower(), self.cron)
        try:
            tick = next(CronSim(expression, start))
        except StopIteration:
            return None
        return int(tick.timestamp()) * 1000


class NewLabelsTrigger(PolicySection):
    """Fires when ``count`` new labels have arrived since the last training."""

    count: int = Field(ge=1)


class TriggersSpec(PolicySection):
    """Every automatic trigger is optional; manual (``driftloop ct trigger``) is always allowed.

    A trigger key left out turns the trigger off; a key with an empty value is refused
    (``{}`` takes the defaults).

    Attributes:
        cooldown: After an episode starts, automatic triggers wait this long before the next
            (a manual request does not wait).
    """

    cooldown: Duration = Field(default_factory=lambda: timedelta(hours=1))
    drift: DriftTrigger | None = None
    performance: PerformanceTrigger | None = None
    schedule: ScheduleTrigger | None = None
    new_labels: NewLabelsTrigger | None = None

    @field_validator("drift", "performance", "schedule", "new_labels", mode="before")
    @classmethod
    def _no_empty_section(cls, value: Any) -> Any:
        # ``drift:`` with nothing after it reads as null; silently turning the trigger off
        # would surprise whoever wrote it.
        if value is None:
            raise ValueError("is empty: write {} for the defaults, or remove the key")
        return value
