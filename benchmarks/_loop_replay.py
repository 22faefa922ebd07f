"""The replay: rows arrive in batches, the model in force answers each first, labels come later.

The in-process stand-in for serving and the inference log is :class:`Log`, a set of arrays
with one entry per row: the answer the client got, the route (champion or canary
challenger), the version that answered, and the shadow challenger's answer when one scored
a copy. A label is known once ``label_delay`` more rows have been scored after its row.

A :class:`Strategy` answers each batch (:meth:`Strategy.serve`), then sees time move to the
end of the batch (:meth:`Strategy.after_batch`), where it may monitor, decide and retrain.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from _loop_models import Split, Version, fit_version, split
from _loop_streams import Stream
from driftloop.ct.policy import Policy

CHAMPION = 0
CHALLENGER = 1
NO_ANSWER = -1


@dataclass(frozen=True, slots=True)
class Settings:
    """How the replay runs (rows; the stream has one row per second).

    Attributes:
        batch: Rows per batch; the controller ticks once per batch.
        label_delay: A row's label is known once this many more rows have been scored.
        monitor_every: Rows between two monitoring runs (``driftloop monitor run``).
        monitor_rows: Rows per monitoring window (``--last-rows``).
        schedule_every: The fixed-schedule strategy retrains every this many rows.
        recovery: Rows after a change (after a gradual change's transition) in which a
            trigger counts as a detection of it; also the "during" segment's length.
        seed: Seeds the canary routing.
    """

    batch: int = 100
    label_delay: int = 1000
    monitor_every: int = 2000
    monitor_rows: int = 2000
    schedule_every: int = 4000
    recovery: int = 10_000
    seed: int = 42


@dataclass(slots=True)
class Log:
    """What serving logged, one entry per row of the stream (history rows stay unset)."""

    served: np.ndarray
    route: np.ndarray
    version: np.ndarray
    shadow: np.ndarray
    shadow_version: np.ndarray

    @classmethod
    def empty(cls, rows: int) -> Log:
        return cls(
            served=np.full(rows, NO_ANSWER, dtype=np.int64),
            route=np.full(rows, CHAMPION, dtype=np.int8),
            version=np.zeros(rows, dtype=np.int32),
            shadow=np.full(rows, NO_ANSWER, dtype=np.int64),
            shadow_version=np.zeros(rows, dtype=np.int32),
        )


@dataclass(slots=True)
class StrategyResult:
    """What one strategy did on one stream.

    Attributes:
        name: The strategy.
        correct: Per replayed row, whether the answer the client got was right.
        trainings: Rows (stream index) at which a model was trained.
        triggers: Rows at which a retraining was decided (driftloop: an episode started).
        promotions: Rows at which a new model started answering every request.
        episodes: driftloop only: one JSON-ready summary per episode.
    """

    name: str
    correct: np.ndarray
    trainings: list[int] = field(default_factory=list)
    triggers: list[int] = field(default_factory=list)
    promotions: list[int] = field(default_factory=list)
    episodes: list[dict[str, Any]] = field(default_factory=list)


class Strategy(abc.ABC):
    """A way of keeping the deployed model up to date."""

    name: str

    def __init__(self, stream: Stream, settings: Settings, policy: Policy, first: Version):
        self.stream = stream
        self.settings = settings
        self.policy = policy
        self.log = Log.empty(stream.rows)
        self.trainings: list[int] = []
        self.triggers: list[int] = []
        self.promotions: list[int] = []
        self.first = first

    @abc.abstractmethod
    def serve(self, lo: int, hi: int) -> None:
        """Answer rows ``[lo, hi)`` into :attr:`log`."""

    @abc.abstractmethod
    def after_batch(self, now: int) -> None:
        """Rows before ``now`` have been scored; monitor, decide, retrain."""

    def episodes(self) -> list[dict[str, Any]]:
        return []

    # -- shared helpers ----------------------------------------------------------------

    def rows(self, lo: int, hi: int) -> pd.DataFrame:
        return self.stream.features.iloc[lo:hi]

    def labelled_end(self, now: int) -> int:
        """Rows before this index have a known label at ``now``."""
        return max(now - self.settings.label_delay, 0)

    def time_ms(self, row: int) -> int:
        """The time stamp of row ``row`` (``row == rows`` is one step past the last)."""
        return int(self.stream.timestamps_ms[0]) + row * 1000

    def train(self, rows: np.ndarray, *, number: int, now: int) -> Version:
        """Train on ``rows`` (stream indices, labelled, oldest first) with the policy's holdout."""
        self.trainings.append(now)
        data = self.split(rows)
        return fit_version(self.policy, data, number=number, created_ms=self.time_ms(now))

    def split(self, rows: np.ndarray) -> Split:
        features = self.stream.features.iloc[rows].reset_index(drop=True)
        return split(self.policy, features, self.stream.labels[rows])


def run_strategy(strategy: Strategy) -> StrategyResult:
    """Replay the stream after its history through ``strategy``."""
    stream, batch = strategy.stream, strategy.settings.batch
    for lo in range(stream.initial, stream.rows, batch):
        hi = min(lo + batch, stream.rows)
        strategy.serve(lo, hi)
        strategy.after_batch(hi)
    served = strategy.log.served[stream.initial :]
    if (served == NO_ANSWER).any():
        raise RuntimeError(f"{strategy.name} left rows unanswered")
    return StrategyResult(
        strategy.name,
        served == stream.labels[stream.initial :],
        strategy.trainings,
        strategy.triggers,
        strategy.promotions,
        strategy.episodes(),
    )


def first_version(stream: Stream, policy: Policy) -> Version:
    """The model trained on the history (the first champion of every strategy)."""
    data = split(policy, stream.features.iloc[: stream.initial], stream.labels[: stream.initial])
    created = int(stream.timestamps_ms[stream.initial]) - 1
    return fit_version(policy, data, number=1, created_ms=created)
