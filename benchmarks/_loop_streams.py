"""The drifting streams of the loop benchmark: river's synthetic generators, seeded, as frames.

Every stream is a pandas frame of features, a label array and one time stamp per row
(1 row per second from :data:`T0_MS`), plus the true changes. The first ``initial`` rows are
the history the first model is trained on before deployment; the replay starts after them.

* ``abrupt``: Agrawal classification function 0 -> 2, switched at one row.
  The features' distribution never changes: pure concept drift, visible only in the labels.
* ``gradual``: RandomRBF with centroids of seed 7 -> seed 8 over a 10,000-row transition.
  The features move too (other centroids), so drift on the inputs shows as well.
* ``recurring``: RandomRBF seed 42 -> 43 -> back to 42, two abrupt changes.
* ``none``: RandomRBF seed 7 throughout: no change at all (false triggers are counted here).

A trained model loses 35-50 accuracy points at each change (the static strategy's line in
the benchmark's charts), so every change is a real one for the model.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from river.datasets import synth

T0_MS = 1_767_225_600_000
"""2026-01-01T00:00:00Z: the time stamp of row 0; row ``i`` is scored ``i`` seconds later."""
ROW_MS = 1000
"""One row per second."""


@dataclass(frozen=True, slots=True)
class Change:
    """A true change: the row where half of the rows follow the new concept, and the width.

    ``start``/``end`` bound the transition (for an abrupt change both are ``position``).
    """

    position: int
    width: int = 1

    @property
    def start(self) -> int:
        return self.position - self.width // 2

    @property
    def end(self) -> int:
        return self.position + self.width // 2


@dataclass(frozen=True, slots=True)
class Stream:
    """One replayable stream."""

    name: str
    description: str
    features: pd.DataFrame
    labels: np.ndarray
    timestamps_ms: np.ndarray
    initial: int
    changes: tuple[Change, ...]

    @property
    def rows(self) -> int:
        return len(self.labels)


@dataclass(frozen=True, slots=True)
class Layout:
    """Row counts of one run: history, replay, where the changes fall."""

    initial: int
    replay: int

    @property
    def total(self) -> int:
        return self.initial + self.replay

    def at(self, share: float) -> int:
        """The row ``share`` of the way through the replay, on a 100-row grid."""
        return self.initial + round(self.replay * share / 100) * 100


FULL = Layout(initial=5_000, replay=50_000)
QUICK = Layout(initial=5_000, replay=20_000)

_Dataset = Any  # a river synthetic dataset (untyped)
_Rows = Iterator[tuple[dict[str, Any], Any]]  # features, label


@dataclass(frozen=True, slots=True)
class _Recipe:
    description: str
    changes: Callable[[Layout], tuple[Change, ...]]
    build: Callable[[tuple[Change, ...], int], _Rows]


def _agrawal(function: int, seed: int) -> _Dataset:
    return synth.Agrawal(classification_function=function, seed=seed, perturbation=0.05)


def _rbf(model_seed: int, sample_seed: int) -> _Dataset:
    return synth.RandomRBF(
        seed_model=model_seed, seed_sample=sample_seed, n_classes=2, n_features=10, n_centroids=50
    )


def _abrupt(changes: tuple[Change, ...], seed: int) -> _Rows:
    return _switch([_agrawal(0, seed), _agrawal(2, seed + 1)], changes)


def _gradual(changes: tuple[Change, ...], seed: int) -> _Rows:
    (change,) = changes
    mixed = synth.ConceptDriftStream(
        _rbf(7, seed), _rbf(8, seed + 1), position=change.position, width=change.width, seed=seed
    )
    yield from mixed


def _recurring(changes: tuple[Change, ...], seed: int) -> _Rows:
    first = _rbf(42, seed)
    return _switch([first, _rbf(43, seed + 1), first], changes)


def _none(changes: tuple[Change, ...], seed: int) -> _Rows:
    return _switch([_rbf(7, seed)], changes)


def _switch(datasets: list[_Dataset], changes: tuple[Change, ...]) -> _Rows:
    """Rows from ``datasets[0]`` until the first change, then from the next, and so on.

    An abrupt change (``ConceptDriftStream`` with ``width=1`` overflows ``math.exp`` more than
    ~180 rows before its position). A dataset listed twice resumes where it stopped.
    """
    iterators: dict[int, _Rows] = {}
    row = 0
    for index, dataset in enumerate(datasets):
        source = iterators.setdefault(id(dataset), iter(dataset))
        end = changes[index].position if index < len(changes) else None
        while end is None or row < end:
            yield next(source)
            row += 1


RECIPES: dict[str, _Recipe] = {
    "abrupt": _Recipe(
        "Agrawal function 0 -> 2, abrupt (pure concept drift: the inputs do not move)",
        lambda layout: (Change(layout.at(0.406)),),
        _abrupt,
    ),
    "gradual": _Recipe(
        "RandomRBF centroids seed 7 -> 8, gradual (inputs and concept move)",
        lambda layout: (Change(layout.at(0.4), width=round(layout.replay * 0.2)),),
        _gradual,
    ),
    "recurring": _Recipe(
        "RandomRBF seed 42 -> 43 -> 42, two abrupt changes (inputs and concept move)",
        lambda layout: (Change(layout.at(0.306)), Change(layout.at(0.674))),
        _recurring,
    ),
    "none": _Recipe("RandomRBF seed 7, no change", lambda _layout: (), _none),
}
"""Stream name -> recipe, in the order the benchmark runs them."""


def make_stream(name: str, layout: Layout, seed: int) -> Stream:
    """Generate stream ``name`` (see the module docstring) with ``layout``'s row counts."""
    recipe = RECIPES[name]
    changes = recipe.changes(layout)
    rows = list(itertools.islice(recipe.build(changes, seed), layout.total))
    features = pd.DataFrame([x for x, _ in rows])
    features.columns = [str(column) for column in features.columns]
    labels = np.asarray([int(y) for _, y in rows], dtype=np.int64)
    stamps = T0_MS + np.arange(layout.total, dtype=np.int64) * ROW_MS
    return Stream(name, recipe.description, features, labels, stamps, layout.initial, changes)
