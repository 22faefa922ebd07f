"""The two steps of the retraining pipeline: ``train`` (the user's entry point) and ``evaluate``.

They run on the executor (locally or as Ray tasks), so they only use their inputs and
importable modules: the entry point is imported by name where the step runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from driftloop.ct._gates_metrics import compute_metrics, model_answers, task_of
from driftloop.ct._retrain_entry import resolve_function
from driftloop.pipelines import ModelOutput, Pipeline, step

__all__ = ["EVALUATE_STEP", "METRICS_OUTPUT", "MODEL_OUTPUT", "TRAIN_STEP", "retrain_pipeline"]

TRAIN_STEP = "train"
EVALUATE_STEP = "evaluate"
MODEL_OUTPUT = "model"
METRICS_OUTPUT = "validation_metrics"


@step(name=TRAIN_STEP, outputs=(MODEL_OUTPUT,))
def train(
    features: pd.DataFrame,
    labels: pd.Series,
    entry_point: str,
    training_parameters: dict[str, Any],
    code_digest: str,
) -> Any:
    """Fit with ``entry_point(features, labels, **training_parameters)``.

    ``code_digest`` (of the entry point's module) is not used here: as an input it is part
    of the cache key, so editing the training code retrains.
    """
    del code_digest
    function = resolve_function(entry_point, field="training.entry_point")
    fitted = function(features, labels, **training_parameters)
    if fitted is None:
        raise TypeError(f"the entry point {entry_point} returned None instead of a fitted model")
    return ModelOutput(fitted, training_data=features, target=labels)


@step(name=EVALUATE_STEP, outputs=(METRICS_OUTPUT,))
def evaluate(
    model: Any, holdout_features: pd.DataFrame, holdout_labels: pd.Series, metric: str
) -> dict[str, float]:
    """Every metric of the gates' task (classification or regression) on the holdout."""
    answers = model_answers(model, holdout_features, probabilities=True)
    return compute_metrics(task_of(metric), np.asarray(holdout_labels), answers)


def retrain_pipeline() -> Pipeline:
    """``train`` -> ``evaluate``."""
    return Pipeline("ct-retrain", steps=[train, evaluate])
