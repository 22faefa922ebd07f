"""A small retraining pipeline (load -> split -> train -> evaluate) used by the executor tests.

The step functions only use libraries (no helpers of this module), so a Ray worker can run
them without importing the tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from driftloop.pipelines import ModelOutput, Pipeline, step

FEATURES = ["f0", "f1", "f2"]


@step
def load(rows: int = 400, seed: int = 7) -> pd.DataFrame:
    """The labelled window: three features and a label that depends on two of them."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(rows, 3))
    frame = pd.DataFrame(values, columns=["f0", "f1", "f2"])
    frame["label"] = (values[:, 0] + 0.5 * values[:, 1] > 0).astype(int)
    frame["ts"] = np.arange(rows)
    return frame


@step(outputs=("train", "holdout"))
def split(load: pd.DataFrame, holdout_fraction: float = 0.25) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Time-ordered: the most recent rows are the holdout."""
    ordered = load.sort_values("ts")
    cut = int(len(ordered) * (1 - holdout_fraction))
    return ordered.iloc[:cut], ordered.iloc[cut:]


@step
def model(train: pd.DataFrame, C: float = 1.0) -> LogisticRegression:  # noqa: N803
    features = train[["f0", "f1", "f2"]]
    fitted = LogisticRegression(C=C).fit(features, train["label"])
    return ModelOutput(fitted, training_data=features, target=train["label"])  # type: ignore[return-value]


@step
def evaluation(model: LogisticRegression, holdout: pd.DataFrame) -> dict[str, float]:
    predictions = model.predict(holdout[["f0", "f1", "f2"]])
    accuracy = float((predictions == holdout["label"].to_numpy()).mean())
    return {"accuracy": accuracy, "rows": len(holdout)}


def retrain_pipeline() -> Pipeline:
    return Pipeline("retrain", steps=[load, split, model, evaluation])
