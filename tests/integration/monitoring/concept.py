"""A tracking folder with real deployments whose inference logs show (or not) concept drift.

The champion of ``clf`` is a logistic regression on f0..f3, logged with its training data
(so it has a reference profile) from a run that logged its training accuracy. Its traffic
is drawn from the training distribution, so the features never drift; what changes is the
labels: in a "jump" log the share of wrong predictions goes from ``before`` to ``after`` at
row ``jump``, as when the relation between features and target moves. The predictions come
from the registered model itself, and rows and labels go through the real
:class:`InferenceLogWriter`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression
from tests.serving.models import FEATURES, logistic, training_frame

from driftloop.cli.serve import default_inference_log_uri
from driftloop.monitoring.inference_log import FeedbackLabel, InferenceLogWriter, ScoredRequest
from driftloop.monitoring.request_ids import new_request_id
from driftloop.tracking import Client

MODEL = "clf"
REGRESSOR = "reg"
ROWS = 2000
JUMP = 1000


@dataclass(frozen=True, slots=True)
class Tracking:
    """A tracking folder, a client on it and the default inference log's root."""

    root: Path
    client: Client

    @property
    def log_root(self) -> str:
        """Where ``monitor run`` reads the inference log by default."""
        return default_inference_log_uri(str(self.root))


def tracking_with_model(root: Path, deployments: tuple[str, ...]) -> Tracking:
    """Register ``clf`` v1 (champion) and create ``deployments`` serving it."""
    client = Client(str(root))
    frame, target = training_frame()
    model = logistic()
    run = client.create_run("0")
    client.log_metric(run.info.run_id, "accuracy", float(model.score(frame, target)))
    client.log_model(
        run.info.run_id,
        model,
        "model",
        training_data=frame,
        target=target,
        registered_model_name=MODEL,
    )
    client.set_terminated(run.info.run_id)
    client.set_alias(MODEL, "champion", 1)
    for name in deployments:
        client.create_deployment(name, MODEL)
    return Tracking(root, client)


def add_regressor(tracking: Tracking, deployment: str) -> None:
    """Register ``reg`` v1 (champion; a linear regression on f0..f3) behind ``deployment``."""
    frame, _ = training_frame()
    target = _regression_target(frame)
    client = tracking.client
    run = client.create_run("0")
    client.log_model(
        run.info.run_id,
        LinearRegression().fit(frame, target),
        "model",
        training_data=frame,
        target=target,
        registered_model_name=REGRESSOR,
    )
    client.set_terminated(run.info.run_id)
    client.set_alias(REGRESSOR, "champion", 1)
    client.create_deployment(deployment, REGRESSOR)


def write_log(
    tracking: Tracking,
    deployment: str,
    *,
    before: float,
    after: float,
    rows: int = ROWS,
    jump: int = JUMP,
    seed: int = 0,
    start_ms: int | None = None,
    model: str = MODEL,
    model_version: int = 1,
) -> list[int]:
    """Score ``rows`` rows through ``model``'s champion, one request each, one second apart,
    and label them all (rows logged as answered by ``model_version``).

    Classifier: a label differs from the prediction with probability ``before`` up to row
    ``jump`` and ``after`` from then on. Regressor: the label is the prediction plus normal
    noise of standard deviation ``before`` then ``after``. Returns the rows' timestamps.
    """
    rng = np.random.default_rng(seed)
    features = pd.DataFrame(rng.normal(size=(rows, len(FEATURES))), columns=FEATURES)
    loaded = tracking.client.load_model(f"models:/{model}@champion")
    predictions = np.asarray(loaded.predict(features))
    level = np.where(np.arange(rows) < jump, before, after)
    if model == MODEL:
        flip = rng.random(rows) < level
        labels: list[object] = [
            int(1 - p) if f else int(p) for p, f in zip(predictions, flip, strict=True)
        ]
        answers: list[object] = [int(p) for p in predictions]
    else:
        answers = [float(p) for p in predictions]
        labels = [float(p + rng.normal(0.0, s)) for p, s in zip(predictions, level, strict=True)]
    first = start_ms if start_ms is not None else int(time.time() * 1000) - (rows + 60) * 1000
    stamps = [first + row * 1000 for row in range(rows)]
    writer = InferenceLogWriter(tracking.log_root, deployment, flush_seconds=60)
    writer.start()
    feedback = []
    for row in range(rows):
        request_id = new_request_id()
        assert writer.submit(
            ScoredRequest(
                request_id=request_id,
                timestamp_ms=stamps[row],
                model_name=model,
                model_version=model_version,
                route="champion",
                features=features.iloc[[row]],
                predictions=[answers[row]],
                probabilities=None,
                latency_ms=1.0,
            )
        )
        feedback.append(FeedbackLabel(request_id, labels[row], timestamp_ms=stamps[row] + 500))
    assert writer.submit_feedback(feedback)
    writer.close()
    return stamps


def _regression_target(frame: pd.DataFrame) -> np.ndarray:
    return np.asarray(frame["f0"] * 2.0 - frame["f2"] + 0.5, dtype=np.float64)
