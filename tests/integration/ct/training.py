"""Training entry points and data loaders that CT policies in these tests name.

Importable by name (``tests.integration.ct.training:train_logistic``) in the test process
and on Ray workers (they start in the repository with the driver's ``sys.path``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from driftloop.ct import Window

FEATURES = ["seq", "f0", "f1", "f2"]
LOADER_CALLS: list[Window] = []
"""Every window a loader of this module was called with (the tests read it)."""


def train_logistic(
    features: pd.DataFrame,
    labels: pd.Series,
    C: float = 1.0,  # noqa: N803
    max_iter: int = 200,
) -> LogisticRegression:
    """The training code of the ``churn`` deployment: a logistic regression on f0..f2."""
    return LogisticRegression(C=C, max_iter=max_iter).fit(features, labels)


def fail_training(features: pd.DataFrame, labels: pd.Series, C: float = 1.0) -> LogisticRegression:  # noqa: N803
    raise RuntimeError(f"out of memory after {len(features)} rows")


def new_concept(frame: pd.DataFrame) -> np.ndarray:
    """The relation between features and label after the drift."""
    return (frame["f0"] - frame["f1"] > 0).astype(int).to_numpy()


def old_concept(frame: pd.DataFrame) -> np.ndarray:
    """The relation the champion was trained on."""
    return (frame["f0"] + frame["f1"] > 0).astype(int).to_numpy()


def crm_rows(window: Window) -> pd.DataFrame:
    """Rows from "the CRM": 60 rows, one every 5 s ending 1 s before the window's end,
    given newest first; every tenth has no label yet; the 10 oldest are a day older than
    the window's end (outside a short window)."""
    rng = np.random.default_rng(11)
    count = 60
    frame = pd.DataFrame(rng.normal(size=(count, 3)), columns=["f0", "f1", "f2"])
    frame.insert(0, "seq", np.arange(10_000, 10_000 + count))
    stamps = window.end_ms - 1_000 - 5_000 * (count - 1 - np.arange(count))
    stamps[:10] -= 86_400_000
    frame["timestamp"] = pd.to_datetime(stamps, unit="ms", utc=True)
    labels = pd.array(new_concept(frame), dtype="Int64")
    labels[::10] = pd.NA
    frame["label"] = labels
    return frame.iloc[::-1].reset_index(drop=True)


def load_crm_rows(window: Window) -> pd.DataFrame:
    LOADER_CALLS.append(window)
    return crm_rows(window)


def load_untimed_rows(window: Window) -> pd.DataFrame:
    return crm_rows(window).drop(columns=["timestamp"])


def load_other_columns(window: Window) -> pd.DataFrame:
    return crm_rows(window).rename(columns={"f2": "tenure"})


def load_a_list(window: Window) -> list[int]:
    return [1, 2, 3]
