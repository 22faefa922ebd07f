"""Monitoring store benchmark: recording runs and reading one metric's time series.

Run it from the repository root::

    .venv/bin/python benchmarks/monitor_store.py [--runs 2000] [--points 500]

On a SQLite file and on a scratch PostgreSQL database (``driftloop.testing``'s
``temporary_postgres_database``, server from ``DRIFTLOOP_TEST_PG_URL`` or 127.0.0.1:5432) it
records ``--runs`` runs of one deployment, each with ``--points`` points (50 columns x 10
metrics at the default), 5-minute windows, versions alternating 1/2. It prints:

* ``runs/s``: runs recorded per second (one ``record_monitor_run`` call each, sequential);
* ``series ms``: median latency of ``get_series`` for one (column, metric) over all runs
  (50 calls over different columns), and the same filtered to one model version;
* on PostgreSQL, the same after ``VACUUM`` (what autovacuum soon does to the insert-only
  table), and the plan of the series query: an index-only scan of ``ix_monitor_points_series``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from driftloop.entities import MonitorPoint
from driftloop.store.base import MonitorStore
from driftloop.store.sql import SqlStores, open_sql_stores
from driftloop.testing import postgres_base_url, require_postgres, temporary_postgres_database

T0 = 1_700_000_000_000
WINDOW_MS = 5 * 60_000
METRICS = ("psi", "ks_stat", "ks_p_value", "drifted", "drift_score", "missing_rate", "mean")
SERIES_CALLS = 50


def make_points(count: int, seed: int) -> list[MonitorPoint]:
    """``count`` points over columns of 10 metrics each, values varying with ``seed``."""
    metrics = (*METRICS, "std", "min", "max")
    return [
        MonitorPoint(f"feature_{i // 10:03d}", metrics[i % 10], ((seed * 31 + i) % 1000) / 997)
        for i in range(count)
    ]


def bench(stores: SqlStores, label: str, runs: int, points: int) -> None:
    """Record the runs, then time the series reads; print one line (and a plan on PG)."""
    store = stores.monitoring
    deployment = "bench-api"
    started = time.perf_counter()
    for index in range(runs):
        end = T0 + (index + 1) * WINDOW_MS
        store.record_monitor_run(
            deployment,
            model_version=1 + index % 2,
            window_start=end - WINDOW_MS,
            window_end=end,
            rows=10_000,
            verdict="no_drift",
            points=make_points(points, index),
        )
    recorded = time.perf_counter() - started
    print(
        f"{label:<10} {runs} runs x {points} points: {runs / recorded:8.1f} runs/s "
        f"({runs * points / recorded:,.0f} points/s)"
    )
    time_series(store, label, deployment, runs, points)
    if stores.database.dialect == "postgresql":
        # What autovacuum does to an insert-only table: sets the visibility map, so the
        # covering index answers without visiting the heap (an index-only scan).
        engine = stores.database.engine.execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM ANALYZE monitor_points")
        time_series(store, f"{label} (after VACUUM)", deployment, runs, points)
        with stores.database.read() as conn:
            plan = conn.execute(
                text(
                    "EXPLAIN (ANALYZE, BUFFERS) SELECT run_id, window_end, model_version, value "
                    "FROM monitor_points p WHERE p.deployment = 'bench-api' "
                    "AND p.\"column\" = 'feature_007' AND p.metric = 'psi' "
                    "ORDER BY p.window_end, p.run_id"
                )
            )
            print("\n".join(f"    {row[0]}" for row in plan))


def time_series(store: MonitorStore, label: str, deployment: str, runs: int, points: int) -> None:
    """Print the median ``get_series`` latency over :data:`SERIES_CALLS` columns."""
    columns = max(1, points // 10)
    latencies, filtered = [], []
    for call in range(SERIES_CALLS):
        column = f"feature_{call % columns:03d}"
        tick = time.perf_counter()
        series = store.get_series(deployment, column, "psi")
        latencies.append((time.perf_counter() - tick) * 1000)
        assert len(series) == runs  # noqa: S101 - a wrong answer must not be timed
        tick = time.perf_counter()
        store.get_series(deployment, column, "psi", model_version=2)
        filtered.append((time.perf_counter() - tick) * 1000)
    print(
        f"{label:<10} get_series median {statistics.median(latencies):.2f} ms "
        f"({runs} points), with model_version filter {statistics.median(filtered):.2f} ms"
    )


def main() -> None:
    """Run the benchmark on SQLite, then on PostgreSQL when a server answers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--points", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        stores = open_sql_stores(f"sqlite:///{root / 'monitor.db'}", (root / "a").as_uri())
        try:
            bench(stores, "sqlite", args.runs, args.points)
        finally:
            stores.close()
        base_url = postgres_base_url()
        require_postgres(base_url)
        with temporary_postgres_database(base_url, label="monbench") as url:
            stores = open_sql_stores(url, (root / "a").as_uri())
            try:
                bench(stores, "postgresql", args.runs, args.points)
            finally:
                stores.close()


if __name__ == "__main__":
    main()
