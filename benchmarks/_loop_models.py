"""The model every strategy of the loop benchmark trains, and what training records with it.

:func:`train_model` is the policy's ``training.entry_point`` (``_loop_models:train_model``):
the same ``fn(features, labels, **parameters) -> fitted model`` contract the CT pipeline
calls. :func:`fit_version` does what the CT pipeline does around it: train on the rows
before the holdout, compute the validation metrics on the time-ordered holdout, and build
the reference profile the way ``log_model(training_data=...)`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from driftloop.ct._gates_metrics import compute_metrics, model_answers
from driftloop.ct._retrain_entry import resolve_function
from driftloop.ct.policy import Policy
from driftloop.models.package import _profile as model_profile
from driftloop.monitoring.profile import DatasetProfile


def train_model(
    features: pd.DataFrame, labels: pd.Series, *, max_iter: int = 100, seed: int = 0
) -> HistGradientBoostingClassifier:
    """Gradient-boosted trees (scikit-learn), no early stopping, so a fit is deterministic."""
    model = HistGradientBoostingClassifier(
        max_iter=max_iter, early_stopping=False, random_state=seed
    )
    return model.fit(features, labels)


@dataclass(frozen=True, slots=True)
class Version:
    """One trained model: what serving, monitoring and the gates need of a registered version.

    Attributes:
        number: The version number (1 is the model trained on the history).
        model: The fitted model.
        profile: Its reference profile (training features and target, plus predictions).
        validation_metrics: Its metrics on the holdout (the run's metrics).
        created_ms: When it was registered.
        trained_rows: Rows it was trained on (holdout excluded).
    """

    number: int
    model: Any
    profile: DatasetProfile
    validation_metrics: Mapping[str, float]
    created_ms: int
    trained_rows: int


@dataclass(frozen=True, slots=True)
class Split:
    """Training rows and the time-ordered holdout (the most recent rows)."""

    features: pd.DataFrame
    labels: pd.Series
    holdout_features: pd.DataFrame
    holdout_labels: pd.Series


def split(policy: Policy, features: pd.DataFrame, labels: np.ndarray) -> Split:
    """Cut the newest rows off as the holdout, as ``assemble_training_data`` does."""
    rows = len(labels)
    spec = policy.data.holdout
    wanted = spec.rows if spec.rows is not None else round(rows * (spec.fraction or 0.0))
    holdout = min(max(1, wanted), rows - 1)
    cut = rows - holdout
    series = pd.Series(labels, name="label")
    return Split(
        features.iloc[:cut].reset_index(drop=True),
        series.iloc[:cut].reset_index(drop=True),
        features.iloc[cut:].reset_index(drop=True),
        series.iloc[cut:].reset_index(drop=True),
    )


def fit_version(policy: Policy, data: Split, *, number: int, created_ms: int) -> Version:
    """Train through the policy's entry point; validation metrics and profile as CT records."""
    entry = resolve_function(str(policy.training.entry_point), field="training.entry_point")
    model = entry(data.features, data.labels, **policy.training.parameters)
    answers = model_answers(model, data.holdout_features, probabilities=True)
    metrics = compute_metrics("classification", np.asarray(data.holdout_labels), answers)
    profile = model_profile(model, data.features, data.labels)
    return Version(number, model, profile, metrics, created_ms, len(data.labels))
