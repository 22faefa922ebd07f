"""``LoadedModel.score``: one enforcement, predictions and probabilities, same answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import (
    ExtraTreesClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from driftloop.models.loading import load_model_dir
from driftloop.models.package import save_model


def _data(classes: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(classes)
    frame = pd.DataFrame(rng.normal(size=(300, 5)), columns=[f"x{i}" for i in range(5)])
    labels = np.array([7, 3, 11])[:classes]
    target = labels[(frame["x0"].to_numpy() * 2 + frame["x1"].to_numpy() > 0).astype(int) % classes]
    if classes == 3:
        target[frame["x2"].to_numpy() > 0.8] = 11
    return frame, target


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize(
    "estimator",
    [
        HistGradientBoostingClassifier(max_iter=20),
        RandomForestClassifier(n_estimators=10, random_state=0),
        ExtraTreesClassifier(n_estimators=10, random_state=0),
        DecisionTreeClassifier(random_state=0),
        LogisticRegression(),
    ],
    ids=lambda estimator: type(estimator).__name__,
)
def test_score_matches_predict_and_predict_proba(
    tmp_path: Path, estimator: object, classes: int
) -> None:
    frame, target = _data(classes)
    fitted = estimator.fit(frame, target)  # type: ignore[attr-defined]
    save_model(fitted, tmp_path / "model", training_data=frame)
    model = load_model_dir(tmp_path / "model", trusted=True, source="test")
    live = pd.DataFrame(np.random.default_rng(9).normal(size=(200, 5)), columns=frame.columns)
    scores = model.score(live)
    assert list(np.asarray(scores.predictions)) == list(fitted.predict(live))
    assert scores.probabilities is not None
    np.testing.assert_allclose(scores.probabilities, fitted.predict_proba(live))
    assert scores.classes == tuple(fitted.classes_.tolist())
    assert scores.dropped_columns == ()
    without = model.score(live, probabilities=False)
    assert without.probabilities is None
    assert list(np.asarray(without.predictions)) == list(fitted.predict(live))
