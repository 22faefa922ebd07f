"""Version 1 of the quickstart: a small sweep recorded with the tracking API, the best registered.

A parent ``sweep`` run holds one child run per configuration; each child logs its params,
the training dataset as an input, its validation accuracy on the newest quarter of the
history (time order, as the CT holdout), and its model with signature and reference profile;
the best run's model is registered as version 1 of the quickstart model, ``@champion``, and
the deployment :data:`~driftloop.cli.quickstart_serving.DEPLOYMENT` is created to serve it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import driftloop
from driftloop.cli._quickstart_model import train_model
from driftloop.cli._quickstart_stream import Stream
from driftloop.cli.quickstart_serving import DEPLOYMENT

CONFIGS: tuple[dict[str, Any], ...] = (
    {"n_estimators": 20, "min_samples_leaf": 1},
    {"n_estimators": 50, "min_samples_leaf": 1},
    {"n_estimators": 50, "min_samples_leaf": 5},
)
"""The sweep: extremely randomized trees of a few sizes."""


@dataclass(frozen=True, slots=True)
class Trained:
    """What the sweep produced."""

    sweep_run_id: str
    best_run_id: str
    champion_version: int
    accuracies: tuple[float, ...]


def train_version_one(
    stream: Stream, model_name: str, seed: int, on_config: Callable[[str], None]
) -> Trained:
    """Run the sweep in the current experiment; register, alias and deploy the best."""
    history = stream.history_features
    labels = pd.Series(stream.history_labels, name="label")
    cut = len(history) * 3 // 4
    x_train, y_train = history.iloc[:cut], labels.iloc[:cut]
    x_valid, y_valid = history.iloc[cut:], labels.iloc[cut:]
    scored: list[tuple[float, str]] = []
    with driftloop.start_run(run_name="sweep", tags={"quickstart": "true"}) as sweep:
        driftloop.log_input(history, context="training", name="rbf-history")
        for config in CONFIGS:
            name = f"trees-{config['n_estimators']}-leaf{config['min_samples_leaf']}"
            on_config(name)
            with driftloop.start_run(run_name=name, nested=True) as child:
                driftloop.log_params({**config, "seed": seed, "rows": cut})
                driftloop.log_input(x_train, context="training", name="rbf-history")
                model = train_model(x_train, y_train, seed=seed, **config)
                accuracy = float(np.mean(model.predict(x_valid) == y_valid.to_numpy()))
                driftloop.log_metric("accuracy", accuracy)
                driftloop.log_model(model, "model", training_data=x_train, target=y_train)
                scored.append((accuracy, child.info.run_id))
        best_accuracy, best_run_id = max(scored, key=lambda item: item[0])
        driftloop.log_metric("best_accuracy", best_accuracy)
    client = driftloop.Client()
    version = client.register_model(
        f"runs:/{best_run_id}/model", model_name, description="the quickstart sweep's best"
    )
    client.set_alias(model_name, "champion", version.version)
    client.create_deployment(
        DEPLOYMENT, model_name, description="driftloop quickstart: retrained on drift by CT"
    )
    return Trained(
        sweep.info.run_id, best_run_id, version.version, tuple(item[0] for item in scored)
    )
