"""The strategies driftloop is compared with: never retrain, retrain on a clock, and an oracle.

All three deploy a retrained model at once (no gates, no shadow, no canary) and train the
same model through the same entry point, with the same holdout cut, as driftloop does:

* **static**: the model trained on the history answers everything;
* **schedule**: every ``schedule_every`` rows, retrain on the policy's window (the newest
  ``data.window.rows`` labelled rows);
* **oracle**: knows where the changes are, but sees labels no earlier than anyone. At each
  change mark (an abrupt change; the start, middle and end of a gradual transition) it
  retrains as soon as ``data.min_rows`` labels of rows after the mark are known, on those
  rows only, and once more when a full window of them is known.
"""

from __future__ import annotations

import numpy as np

from _loop_models import Version
from _loop_replay import Settings, Strategy
from _loop_streams import Stream
from driftloop.ct.policy import Policy


class Immediate(Strategy):
    """One model answers; a retrained one replaces it at once."""

    def __init__(self, stream: Stream, settings: Settings, policy: Policy, first: Version):
        super().__init__(stream, settings, policy, first)
        self.model = first
        rows = policy.data.window.rows
        if rows is None:
            raise ValueError("the benchmark policy sets data.window.rows")
        self.window_rows = rows

    def serve(self, lo: int, hi: int) -> None:
        self.log.served[lo:hi] = self.model.model.predict(self.rows(lo, hi))
        self.log.version[lo:hi] = self.model.number

    def after_batch(self, now: int) -> None:
        rows = self.retrain_rows(now)
        if rows is None:
            return
        self.triggers.append(now)
        self.model = self.train(rows, number=self.model.number + 1, now=now)
        self.promotions.append(now)

    def retrain_rows(self, now: int) -> np.ndarray | None:  # noqa: ARG002 - static never does
        """The labelled rows to retrain on at ``now``, or None to keep the model."""
        return None


class Static(Immediate):
    name = "static"


class Schedule(Immediate):
    name = "schedule"

    def __init__(
        self,
        stream: Stream,
        settings: Settings,
        policy: Policy,
        first: Version,
        *,
        every: int | None = None,
    ):
        super().__init__(stream, settings, policy, first)
        self.every = every or settings.schedule_every
        if every is not None:  # the sweep's other periods: "schedule-8k"
            self.name = f"schedule-{every // 1000}k"

    def retrain_rows(self, now: int) -> np.ndarray | None:
        since_start = now - self.stream.initial
        if since_start <= 0 or since_start % self.every:
            return None
        hi = self.labelled_end(now)
        lo = max(self.stream.initial, hi - self.window_rows)
        return np.arange(lo, hi) if hi - lo >= self.policy.data.min_rows else None


class Oracle(Immediate):
    name = "oracle"

    def __init__(self, stream: Stream, settings: Settings, policy: Policy, first: Version):
        super().__init__(stream, settings, policy, first)
        marks: list[int] = []
        for change in stream.changes:
            abrupt = change.width <= 1
            marks += [change.position] if abrupt else [change.start, change.position, change.end]
        self.marks = marks
        self.done: set[tuple[int, int]] = set()

    def retrain_rows(self, now: int) -> np.ndarray | None:
        passed = [mark for mark in self.marks if mark < now]
        if not passed:
            return None
        mark, known = passed[-1], self.labelled_end(now)
        for need in (self.policy.data.min_rows, self.window_rows):
            if known - mark >= need and (mark, need) not in self.done:
                self.done.add((mark, need))
                if need < self.window_rows and known - mark >= self.window_rows:
                    continue  # a full window is known already: train once, on it
                return np.arange(mark, min(known, mark + self.window_rows))
        return None
