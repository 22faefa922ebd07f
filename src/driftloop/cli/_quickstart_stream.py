"""The quickstart's labelled stream: river's RandomRBF with an abrupt change at a known row.

Rows follow one RandomRBF concept (centroids drawn with ``seed_model=seed``), then, from
``Layout.change`` on, another (``seed_model=seed + 1``): the class regions move (concept
drift: version 1 falls from ~95% to ~50% accuracy) and so do the inputs (other centroids:
the monitor's data-drift verdict fires). Generated offline, the same rows for the same seed.
"""

from __future__ import annotations

import importlib
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from driftloop.errors import MissingDependencyError

FEATURES = 8


@dataclass(frozen=True, slots=True)
class Layout:
    """Row counts: the history version 1 is trained on, then the replay and its change.

    Attributes:
        history: Rows before the replay (concept A), version 1's training data.
        replay: Rows sent to the scoring server.
        change: The replay row where the new concept starts.
        batch: Rows per replay batch (a monitor run and a controller tick follow each).
        label_delay: Feedback for a row is sent this many rows after its request.
    """

    history: int
    replay: int
    change: int
    batch: int
    label_delay: int


FULL = Layout(history=2000, replay=7000, change=2500, batch=250, label_delay=50)
FAST = Layout(history=1500, replay=4000, change=1000, batch=250, label_delay=50)


@dataclass(frozen=True, slots=True)
class Stream:
    """History and replay rows, as frames of features and label arrays."""

    history_features: pd.DataFrame
    history_labels: np.ndarray
    replay_features: pd.DataFrame
    replay_labels: np.ndarray
    layout: Layout


def make_stream(layout: Layout, seed: int) -> Stream:
    """Generate the stream (see the module docstring); raises if river is missing."""
    synth = _river_synth()
    before = synth.RandomRBF(
        seed_model=seed, seed_sample=seed, n_classes=2, n_features=FEATURES, n_centroids=20
    )
    after = synth.RandomRBF(
        seed_model=seed + 1, seed_sample=seed + 1, n_classes=2, n_features=FEATURES, n_centroids=20
    )
    first = layout.history + layout.change
    rows = list(itertools.islice(before, first))
    rows += list(itertools.islice(after, layout.replay - layout.change))
    features = pd.DataFrame([x for x, _ in rows])
    features.columns = [f"x{column}" for column in features.columns]
    labels = np.asarray([int(y) for _, y in rows], dtype=np.int64)
    cut = layout.history
    return Stream(
        features.iloc[:cut].reset_index(drop=True),
        labels[:cut],
        features.iloc[cut:].reset_index(drop=True),
        labels[cut:],
        layout,
    )


def _river_synth() -> Any:
    try:
        return importlib.import_module("river.datasets.synth")
    except ImportError as error:
        raise MissingDependencyError("river", "quickstart") from error
