"""The four-run fixture data that the run search suites filter and sort."""

from __future__ import annotations

import math
from dataclasses import dataclass

from driftloop.entities import Dataset, DatasetInput, Metric, Param, Run, RunStatus, RunTag
from driftloop.store.base import ExperimentStore, RunStore
from driftloop.testing.helpers import T0, unique_name


@dataclass(frozen=True, slots=True)
class SeededRuns:
    """Run ids by run name, plus the experiment that holds them.

    The data (``-`` = not logged; start times are offsets from ``T0``)::

        name   start  status    rmse        acc  lr    model              team   dataset
        alpha  1000   FINISHED  0.9 -> 0.5  0.8  0.1   RandomForest       fraud  churn-train
        beta   2000   RUNNING   0.7         NaN  0.01  randomforest-lite  churn  -
        gamma  3000   FAILED    1.2         -    0.1   -                  -      churn-eval
        delta  4000   RUNNING   -           -    -     -                  -      -
    """

    experiment_id: str
    ids: dict[str, str]

    def names(self, runs: list[Run]) -> list[str]:
        """Map runs back to their seeded names, keeping order (unknown runs map to their id)."""
        by_id = {run_id: name for name, run_id in self.ids.items()}
        return [by_id.get(run.run_id, run.run_id) for run in runs]


def seed_runs(run_store: RunStore, experiment_store: ExperimentStore) -> SeededRuns:
    """Create a fresh experiment holding the runs described in :class:`SeededRuns`."""
    experiment_id = experiment_store.create_experiment(unique_name("search"))
    ids: dict[str, str] = {}
    for offset, name in enumerate(["alpha", "beta", "gamma", "delta"], start=1):
        run = run_store.create_run(experiment_id, start_time=T0 + 1000 * offset, run_name=name)
        ids[name] = run.run_id
    alpha, beta, gamma = ids["alpha"], ids["beta"], ids["gamma"]
    run_store.log_batch(
        alpha,
        metrics=[
            Metric("rmse", 0.9, T0, 0),
            Metric("rmse", 0.5, T0 + 10, 1),
            Metric("acc", 0.8, T0, 0),
        ],
        params=[Param("lr", "0.1"), Param("model", "RandomForest")],
        tags=[RunTag("team", "fraud")],
    )
    run_store.log_batch(
        beta,
        metrics=[Metric("rmse", 0.7, T0, 0), Metric("acc", math.nan, T0, 0)],
        params=[Param("lr", "0.01"), Param("model", "randomforest-lite")],
        tags=[RunTag("team", "churn")],
    )
    run_store.log_batch(gamma, metrics=[Metric("rmse", 1.2, T0, 0)], params=[Param("lr", "0.1")])
    run_store.log_inputs(
        alpha,
        [DatasetInput(Dataset("churn-train", "aaaa1111"), {"mlflow.data.context": "training"})],
    )
    run_store.log_inputs(gamma, [DatasetInput(Dataset("churn-eval", "bbbb2222"))])
    run_store.update_run_info(alpha, status=RunStatus.FINISHED, end_time=T0 + 1500)
    run_store.update_run_info(gamma, status=RunStatus.FAILED, end_time=T0 + 3500)
    return SeededRuns(experiment_id, ids)
