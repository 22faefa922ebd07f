"""Web UI benchmark: server time to render the runs page at 100,000 runs and a big run page.

Run from the repository root::

    .venv/bin/python benchmarks/ui.py [--quick] [--calls 30] [--backend sqlite|postgresql]

On a fresh database (SQLite by default) with one experiment of 100,000 runs (5 params,
5 metrics, 3 tags each, bulk-inserted as ``benchmarks/server.py`` seeds its 10,000) and one
run with 50 metrics x 10,000 steps (logged through ``RunStore.log_batch``), it times:

1. the runs page, first page (50 runs, default order);
2. the runs page filtered: ``metrics.acc > 0.5 AND params.model = 'gbm'``;
3. the runs page sorted by a metric: ``order=metrics.`acc` DESC``;
4. the run page of the 50 x 10,000 run (its charts fetch their series separately);
5. one chart's series (``/runs/<id>/metric-history``, 10,000 points) for reference;

each ``--calls`` times after 2 warm-up calls, in-process through the ASGI app (httpx's ASGI
transport: the server's whole stack minus the socket) and over HTTP to the same app served
by uvicorn on 127.0.0.1. Target: median and p99 under 300 ms for 1-4. Results: the table on
stdout and ``benchmarks/.out/ui.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ScratchDatabases, base_environment
from _sides import DriftloopSide, insert_runs
from driftloop.entities import Metric
from driftloop.server.app import create_app
from driftloop.server.config import ServerConfig
from driftloop.testing.live_server import live_app

OUT = Path(__file__).resolve().parent / ".out"
FILTER = "metrics.acc > 0.5 AND params.model = 'gbm'"
ORDER = "metrics.`acc` DESC"
TARGET_MS = 300.0


def seed(db_uri: str, artifacts: str, runs: int, metrics: int, steps: int) -> tuple[str, str]:
    """The experiment of ``runs`` runs and the id of the run with ``metrics`` x ``steps``."""
    side = DriftloopSide(db_uri, artifacts)
    try:
        experiment_id = side.create_experiment("ui-bench")
        insert_runs(side, experiment_id, runs, chunk=5000)
        if side.engine.dialect.name == "postgresql":
            from sqlalchemy import text

            with side.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        big = side.stores.runs.create_run(experiment_id, run_name="big", start_time=0).run_id
        base = 1_700_000_000_000
        for key_index in range(metrics):
            key = f"metric_{key_index:02d}"
            for start in range(0, steps, 1000):
                points = [
                    Metric(key, math.sin(step / 500 + key_index), base + step * 100, step)
                    for step in range(start, min(start + 1000, steps))
                ]
                side.stores.runs.log_batch(big, metrics=points)
        return experiment_id, big
    finally:
        side.close()


def latency(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    rank = max(1, math.ceil(0.99 * len(ordered)))
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(ordered[rank - 1], 1),
        "calls": len(ordered),
    }


def time_calls(call: Callable[[], httpx.Response], calls: int) -> dict[str, float]:
    for _ in range(2):
        answer = call()
        if answer.status_code != 200:
            raise RuntimeError(f"HTTP {answer.status_code}: {answer.text[:300]}")
    samples = []
    for _ in range(calls):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return latency(samples)


def requests(
    experiment_id: str, big: str, metrics: int, steps: int
) -> dict[str, tuple[str, dict[str, str]]]:
    runs = f"/experiments/{experiment_id}"
    return {
        "runs page, first page": (runs, {}),
        "runs page, filtered": (runs, {"filter": FILTER}),
        "runs page, sorted by metric": (runs, {"order": ORDER}),
        f"run page, {metrics} metrics x {steps:,} steps": (f"/runs/{big}", {}),
        f"one chart's series ({steps:,} points)": (
            f"/runs/{big}/metric-history",
            {"key": "metric_00"},
        ),
    }


def measure(
    app: Any, experiment_id: str, big: str, shape: tuple[int, int], calls: int
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    runner = asyncio.Runner()
    in_process = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    )
    with live_app(app, 0) as url, httpx.Client(base_url=url, timeout=60) as http:
        for name, (path, params) in requests(experiment_id, big, *shape).items():
            asgi = time_calls(
                lambda p=path, q=params: runner.run(in_process.get(p, params=q)), calls
            )
            over_http = time_calls(lambda p=path, q=params: http.get(p, params=q), calls)
            results[name] = {"asgi": asgi, "http": over_http}
    runner.run(in_process.aclose())
    runner.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 runs, 10 x 1,000 points")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    runs, metrics, steps = (10_000, 10, 1_000) if args.quick else (100_000, 50, 10_000)
    dbs = ScratchDatabases()
    try:
        with tempfile.TemporaryDirectory(prefix="driftloop-ui-bench-") as scratch:
            db_uri = (
                f"sqlite:///{Path(scratch) / 'ui.db'}"
                if args.backend == "sqlite"
                else dbs.new("postgresql", "ui")
            )
            artifacts = str(Path(scratch) / "artifacts")
            began = time.perf_counter()
            experiment_id, big = seed(db_uri, artifacts, runs, metrics, steps)
            seeded_s = time.perf_counter() - began
            config = ServerConfig(backend_store_uri=db_uri, artifacts_destination=artifacts)
            app = create_app(config)
            try:
                results = measure(app, experiment_id, big, (metrics, steps), args.calls)
            finally:
                app.state.driftloop.stores.close()
    finally:
        dbs.close()
    report = {
        "backend": args.backend,
        "runs": runs,
        "big_run": {"metrics": metrics, "steps": steps},
        "seed_seconds": round(seeded_s, 1),
        "target_ms": TARGET_MS,
        "results": results,
        "environment": base_environment(),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / f"ui-{args.backend}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"{runs:,} runs; a run with {metrics} x {steps:,} points; seeded in {seeded_s:.1f} s")
    print(f"{'page':40} {'ASGI median':>12} {'ASGI p99':>9} {'HTTP median':>12} {'HTTP p99':>9}")
    failed = False
    for name, figure in results.items():
        asgi, http = figure["asgi"], figure["http"]
        print(
            f"{name:40} {asgi['median_ms']:>10.1f}ms {asgi['p99_ms']:>7.1f}ms "
            f"{http['median_ms']:>10.1f}ms {http['p99_ms']:>7.1f}ms"
        )
        if name.startswith(("runs page", "run page")):
            failed |= max(asgi["p99_ms"], http["p99_ms"]) > TARGET_MS
    print(f"target: p99 < {TARGET_MS:.0f} ms for the pages: {'MISSED' if failed else 'met'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
