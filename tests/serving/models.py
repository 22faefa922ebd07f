"""Models the serving tests register: real scikit-learn estimators and two odd challengers."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

FEATURES = ["f0", "f1", "f2", "f3"]


def training_frame(rows: int = 400, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Four float features and a binary target that depends on them."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(rows, len(FEATURES))), columns=FEATURES)
    target = (frame["f0"] + 0.5 * frame["f1"] - frame["f3"] > 0).astype(int).to_numpy()
    return frame, target


def logistic(c: float = 1.0) -> LogisticRegression:
    """A fitted classifier (stored with skops: safe to load untrusted)."""
    frame, target = training_frame()
    return LogisticRegression(C=c).fit(frame, target)


class SleepyModel:
    """A challenger that takes ``seconds`` per call (a pyfunc: loading needs trusted)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def predict(self, data: Any) -> np.ndarray:
        """Zeros, late."""
        time.sleep(self.seconds)
        return np.zeros(len(data), dtype=np.int64)


#: ``f3`` of the rows :class:`FailingModel` fails on (real rows are near 0).
FAILING_F3 = 99.0


class FailingModel:
    """A challenger that raises on every request with a row whose ``f3`` is ``FAILING_F3``.

    Its warm-up on the saved input example (drawn from the training frame) passes, so the
    server loads it; tests then send it such rows. A pyfunc: loading it needs ``trusted``.
    """

    def predict(self, data: Any) -> np.ndarray:
        """Zeros, or RuntimeError when a row has ``f3 == FAILING_F3``."""
        frame = pd.DataFrame(data)
        if bool((frame["f3"] == FAILING_F3).any()):
            raise RuntimeError("this model is broken")
        return np.zeros(len(frame), dtype=np.int64)
