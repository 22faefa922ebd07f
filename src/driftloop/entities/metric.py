"""Key/value records logged to a run: metric points, params and tags."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Metric:
    """One point of a metric series.

    Attributes:
        key: Metric name.
        value: The value; NaN and infinities are allowed.
        timestamp: Milliseconds since the epoch.
        step: Training step (0 when not given).
    """

    key: str
    value: float
    timestamp: int
    step: int = 0


@dataclass(frozen=True, slots=True)
class Param:
    """A hyper-parameter; write-once per run."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class RunTag:
    """A mutable string label on a run (``mlflow.*`` and ``driftloop.*`` keys are system tags)."""

    key: str
    value: str
