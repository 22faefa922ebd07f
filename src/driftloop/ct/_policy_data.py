"""The ``training`` and ``data`` sections of a CT policy: what code trains on which rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal, Self

from pydantic import Field, JsonValue, model_validator

from driftloop.ct._policy_values import (
    Duration,
    FunctionRef,
    PolicySection,
    TargetRef,
    field_error,
)

__all__ = ["DataSpec", "HoldoutSpec", "TrainingSpec", "WindowSpec"]


class TrainingSpec(PolicySection):
    """The training code and its parameters.

    Attributes:
        entry_point: ``module:function`` (an importable callable) or ``project_dir#entry``
            (an entry point of a project folder). Only the syntax is checked when the policy
            loads: driftloop does not model projects yet, so nothing is imported or read.
        parameters: Passed to the entry point as keyword arguments (JSON values).
    """

    entry_point: TargetRef
    parameters: dict[str, JsonValue] = Field(default_factory=dict)


class WindowSpec(PolicySection):
    """How much recent data one training sees: the last ``rows`` rows, or the last ``duration``.

    Exactly one of the two is set. With ``since_change`` (the default), a window that reaches
    back past the change point the monitor found (the newest ``last_change_ms`` of the monitor
    runs behind the trigger) starts at the change instead, or as little before it as gives
    ``min_rows`` labelled rows: rows of the old concept would teach the old concept.

    ``change_wait``: with a change point, training waits (the episode stays ``triggered``)
    until ``min_rows`` labelled rows have come after the change, at most this long; then it
    starts with what there is. Labels arrive late, so a trigger fired by the first wrong
    answers would otherwise train mostly on the old concept. 0 starts at once.

    ``refill``: a model trained on such a cut window learned from few rows; once the window
    has filled with rows after the change (``rows`` labelled rows, or ``duration`` since
    it), the ``refill`` trigger retrains once more (at most once per champion).
    """

    rows: int | None = Field(default=None, ge=1)
    duration: Duration | None = None
    since_change: bool = True
    change_wait: Duration = Field(default_factory=lambda: timedelta(hours=6))
    refill: bool = True

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.rows is None) == (self.duration is None):
            raise field_error("", "set exactly one of 'rows' or 'duration'")
        return self


class HoldoutSpec(PolicySection):
    """The most recent part of the window (time-ordered), kept out of training for the gates.

    Exactly one of ``fraction`` (strictly between 0 and 1) or ``rows`` is set.
    """

    fraction: float | None = Field(default=None, gt=0.0, lt=1.0)
    rows: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.fraction is None) == (self.rows is None):
            raise field_error("", "set exactly one of 'fraction' or 'rows'")
        return self


DataSource = Literal["inference_log", "loader", "both"]


class DataSpec(PolicySection):
    """Where the labelled training rows come from, and how many.

    Attributes:
        source: ``inference_log`` (the deployment's logged requests joined with feedback
            labels), ``loader`` (a user function), or ``both`` (their rows concatenated).
        loader: ``module:function`` called with the window, returning a DataFrame; required
            when ``source`` is ``loader`` or ``both``, refused otherwise.
        window: The last rows or the last span of time (default: the last 7 days).
        holdout: The most recent rows held out for the gates (default: 20%).
        min_rows: Fewer labelled rows than this in the window and no training starts.
    """

    source: DataSource = "inference_log"
    loader: FunctionRef | None = None
    window: WindowSpec = Field(default_factory=lambda: WindowSpec(duration=timedelta(days=7)))
    holdout: HoldoutSpec = Field(default_factory=lambda: HoldoutSpec(fraction=0.2))
    min_rows: int = Field(default=500, ge=2)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.source == "inference_log" and self.loader is not None:
            raise field_error("loader", "only used when source is 'loader' or 'both'")
        if self.source != "inference_log" and self.loader is None:
            raise field_error("loader", f"required when source is {self.source!r}")
        if self.holdout.rows is not None and self.holdout.rows >= self.min_rows:
            raise field_error(
                "holdout.rows",
                f"must be less than min_rows ({self.min_rows}) so training keeps some rows",
            )
        if self.window.rows is not None and self.window.rows < self.min_rows:
            raise field_error(
                "window.rows",
                f"must be at least min_rows ({self.min_rows}), or no training could start",
            )
        return self
