"""The two tracking stores under test, behind one small interface.

:class:`DriftloopSide` drives ``driftloop.store.sql``; :class:`MlflowSide` drives MLflow's own
``SqlAlchemyStore``. Both also know their own table layout, so that the search benchmark can
bulk-insert the same runs into each schema with plain SQL instead of calling ``create_run``
100,000 times.
"""

from __future__ import annotations

import logging
import os
import random
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, Table

MODELS = ("gbm", "rf", "lr", "svm", "mlp")
TEAMS = ("search", "ads", "risk")
METRIC_STEP = 9


def quiet_mlflow() -> None:
    """Silence MLflow's telemetry, INFO logs (migrations) and warnings before importing it."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "ERROR")
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    for name in ("mlflow", "alembic", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"mlflow(\..*)?")
    warnings.filterwarnings("ignore", category=FutureWarning)


@dataclass(frozen=True, slots=True)
class Point:
    """One metric point, in the shape both stores take."""

    key: str
    value: float
    timestamp: int
    step: int


@dataclass(frozen=True, slots=True)
class RunSpec:
    """A synthetic finished run: 5 params, 5 metrics (latest value only), 3 tags."""

    run_id: str
    name: str
    start_time: int
    params: dict[str, str]
    metrics: dict[str, float]
    tags: dict[str, str]


def run_specs(
    start: int, count: int, seed: int = 42, base_ms: int = 1_700_000_000_000
) -> Iterator[RunSpec]:
    """The runs ``start .. start + count - 1``; the same arguments give the same runs."""
    rng = random.Random(seed * 1_000_003 + start)
    for index in range(start, start + count):
        name = f"run-{index}"
        yield RunSpec(
            run_id=f"{rng.getrandbits(128):032x}",
            name=name,
            start_time=base_ms + index * 1000,
            params={
                "model": rng.choice(MODELS),
                "lr": f"{rng.choice((0.3, 0.1, 0.03, 0.01, 0.003))}",
                "max_depth": str(rng.randint(2, 12)),
                "n_estimators": str(rng.choice((50, 100, 200, 400))),
                "seed": str(rng.randint(0, 10_000)),
            },
            metrics={
                "acc": rng.random(),
                "loss": rng.uniform(0.05, 2.0),
                "f1": rng.random(),
                "auc": rng.uniform(0.5, 1.0),
                "rmse": rng.uniform(0.1, 5.0),
            },
            tags={
                "mlflow.runName": name,
                "mlflow.user": "bench",
                "team": rng.choice(TEAMS),
            },
        )


class Side(Protocol):
    """What the benchmark needs from a tracking store."""

    name: str
    engine: Engine

    def create_experiment(self, name: str) -> str: ...
    def create_run(self, experiment_id: str) -> str: ...
    def log_batch(self, run_id: str, points: Sequence[Point]) -> None: ...
    def metric_history(self, run_id: str, key: str) -> int: ...
    def search(
        self, experiment_id: str, filter_string: str, order_by: list[str], max_results: int
    ) -> list[str]: ...
    def bulk_rows(
        self, experiment_id: str, specs: Sequence[RunSpec]
    ) -> dict[Table, list[dict[str, Any]]]: ...
    def close(self) -> None: ...


class DriftloopSide:
    """driftloop's SQL tracking store."""

    name = "driftloop"

    def __init__(self, db_uri: str, artifact_root: str) -> None:
        from driftloop.entities import Metric
        from driftloop.store.sql import models, open_sql_stores

        self._metric = Metric
        self._models = models
        self.stores = open_sql_stores(db_uri, artifact_root)
        self.engine = self.stores.database.engine
        self.artifact_root = artifact_root

    def create_experiment(self, name: str) -> str:
        return self.stores.experiments.create_experiment(name)

    def create_run(self, experiment_id: str) -> str:
        return self.stores.runs.create_run(experiment_id, user_id="bench").info.run_id

    def log_batch(self, run_id: str, points: Sequence[Point]) -> None:
        metric = self._metric
        self.stores.runs.log_batch(
            run_id, metrics=[metric(p.key, p.value, p.timestamp, p.step) for p in points]
        )

    def metric_history(self, run_id: str, key: str) -> int:
        return len(self.stores.runs.get_metric_history(run_id, key))

    def search(
        self, experiment_id: str, filter_string: str, order_by: list[str], max_results: int
    ) -> list[str]:
        page = self.stores.runs.search_runs(
            [experiment_id], filter_string, max_results=max_results, order_by=order_by
        )
        return [run.info.run_id for run in page]

    def bulk_rows(
        self, experiment_id: str, specs: Sequence[RunSpec]
    ) -> dict[Table, list[dict[str, Any]]]:
        m = self._models
        exp = int(experiment_id)
        rows: dict[Table, list[dict[str, Any]]] = {
            m.runs: [],
            m.params: [],
            m.tags: [],
            m.metrics: [],
            m.latest_metrics: [],
        }
        for s in specs:
            end = s.start_time + 60_000
            rows[m.runs].append(
                {
                    "run_id": s.run_id,
                    "experiment_id": exp,
                    "name": s.name,
                    "user_id": "bench",
                    "status": "FINISHED",
                    "start_time": s.start_time,
                    "end_time": end,
                    "artifact_uri": f"{self.artifact_root}/{exp}/{s.run_id}/artifacts",
                    "lifecycle_stage": "active",
                    "deleted_time": None,
                    "deleted_with_experiment": False,
                }
            )
            rows[m.params] += [
                {"run_id": s.run_id, "key": k, "value": v} for k, v in s.params.items()
            ]
            rows[m.tags] += [{"run_id": s.run_id, "key": k, "value": v} for k, v in s.tags.items()]
            for key, value in s.metrics.items():
                point = {
                    "run_id": s.run_id,
                    "key": key,
                    "value": value,
                    "timestamp": end,
                    "step": METRIC_STEP,
                }
                rows[m.metrics].append({**point, "is_nan": False})
                rows[m.latest_metrics].append(point)
        return rows

    def close(self) -> None:
        self.stores.database.close()


class MlflowSide:
    """MLflow's ``SqlAlchemyStore`` (its own local database store)."""

    name = "mlflow"

    def __init__(self, db_uri: str, artifact_root: str) -> None:
        quiet_mlflow()
        from mlflow.entities import Metric, ViewType
        from mlflow.store.tracking.dbmodels import models
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        self._metric = Metric
        self._view_type = ViewType
        self._models = models
        self.store = SqlAlchemyStore(db_uri, artifact_root)
        self.engine = self.store.engine
        self.artifact_root = artifact_root

    def create_experiment(self, name: str) -> str:
        return str(self.store.create_experiment(name))

    def create_run(self, experiment_id: str) -> str:
        run = self.store.create_run(experiment_id, "bench", 0, [], "bench-run")
        return str(run.info.run_id)

    def log_batch(self, run_id: str, points: Sequence[Point]) -> None:
        metric = self._metric
        self.store.log_batch(
            run_id,
            metrics=[metric(p.key, p.value, p.timestamp, p.step) for p in points],
            params=[],
            tags=[],
        )

    def metric_history(self, run_id: str, key: str) -> int:
        return len(self.store.get_metric_history(run_id, key))

    def search(
        self, experiment_id: str, filter_string: str, order_by: list[str], max_results: int
    ) -> list[str]:
        runs = self.store.search_runs(
            [experiment_id],
            filter_string,
            self._view_type.ACTIVE_ONLY,
            max_results=max_results,
            order_by=order_by,
        )
        return [run.info.run_id for run in runs]

    def bulk_rows(
        self, experiment_id: str, specs: Sequence[RunSpec]
    ) -> dict[Table, list[dict[str, Any]]]:
        m = self._models
        runs, params, tags = m.SqlRun.__table__, m.SqlParam.__table__, m.SqlTag.__table__
        metrics, latest = m.SqlMetric.__table__, m.SqlLatestMetric.__table__
        exp = int(experiment_id)
        rows: dict[Table, list[dict[str, Any]]] = {
            runs: [],
            params: [],
            tags: [],
            metrics: [],
            latest: [],
        }
        for s in specs:
            end = s.start_time + 60_000
            rows[runs].append(
                {
                    "run_uuid": s.run_id,
                    "name": s.name,
                    "source_type": "LOCAL",
                    "source_name": "",
                    "entry_point_name": "",
                    "user_id": "bench",
                    "status": "FINISHED",
                    "start_time": s.start_time,
                    "end_time": end,
                    "deleted_time": None,
                    "source_version": "",
                    "lifecycle_stage": "active",
                    "artifact_uri": f"{self.artifact_root}/{exp}/{s.run_id}/artifacts",
                    "experiment_id": exp,
                }
            )
            rows[params] += [
                {"run_uuid": s.run_id, "key": k, "value": v} for k, v in s.params.items()
            ]
            rows[tags] += [{"run_uuid": s.run_id, "key": k, "value": v} for k, v in s.tags.items()]
            for key, value in s.metrics.items():
                point = {
                    "run_uuid": s.run_id,
                    "key": key,
                    "value": value,
                    "timestamp": end,
                    "step": METRIC_STEP,
                    "is_nan": False,
                }
                rows[metrics].append(point)
                rows[latest].append(point)
        return rows

    def close(self) -> None:
        self.engine.dispose()


def insert_runs(side: Side, experiment_id: str, count: int, *, chunk: int = 2000) -> None:
    """Bulk-insert ``count`` runs of :func:`run_specs` into ``side``'s own schema, by chunks."""
    done = 0
    while done < count:
        size = min(chunk, count - done)
        rows = side.bulk_rows(experiment_id, list(run_specs(done, size)))
        with side.engine.begin() as conn:
            for table, table_rows in rows.items():
                conn.execute(table.insert(), table_rows)
        done += size
