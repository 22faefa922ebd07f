"""Serving benchmark: `driftloop serve` against `mlflow models serve`, the same load, one run.

Run from the repository root::

    .venv/bin/python benchmarks/serving.py                 # both servers, 1 worker, ~4 min
    .venv/bin/python benchmarks/serving.py --workers 1,2   # 1 and 2 workers
    .venv/bin/python benchmarks/serving.py --only mlflow --quick

One HistGradientBoostingClassifier (20 numeric features, 20,000 synthetic rows, seed 42) is
logged with ``mlflow.sklearn.log_model`` into a scratch SQLite tracking store and served by
``mlflow models serve --env-manager local``; the same estimator is logged and registered with
driftloop (``models:/bench@champion``) and served by ``driftloop serve`` with inference
logging on. Both get the same worker count, bound to 127.0.0.1, one server at a time.

One closed-loop load generator (``_serving_load.py``) drives both with the same pre-encoded
``dataframe_split`` bodies: single-row requests at concurrency 1, 8 and 64, and 100-row
requests at concurrency 8; a warm-up, then a timed window. Printed per scenario: requests/s,
rows/s, p50/p99 latency, errors, and driftloop/MLflow ratios. Then a hot-swap run against
driftloop: while concurrency-8 load runs on ``/v1/predict``, a second version is registered
and ``champion`` moved to it; errors must be 0, and the report says when the new version
first answered. Targets: >= 3x MLflow's single-row throughput at the same workers and
concurrency with p99 no worse; zero errors during the hot swap.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _serving_load import LoadSpec, run_load, serve_trivial
from _serving_report import Results, console, ratios, render, write
from _serving_run import SCENARIOS, Config, run_workers
from _serving_servers import (
    ALIAS,
    DEPLOYMENT,
    MODEL_NAME,
    driftloop_serve_help,
    free_port,
    log_driftloop,
    log_mlflow,
    make_data,
    train,
)

OUT = Path(__file__).resolve().parent / ".out"
DISTINCT_SINGLE = 512
DISTINCT_BATCH = 32
THROUGHPUT_TARGET = 3.0


def parse_args(argv: Sequence[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["mlflow", "driftloop"], help="Run one server only.")
    parser.add_argument("--workers", default="1", help="Worker counts, e.g. 1 or 1,2.")
    parser.add_argument("--duration", type=float, default=15.0, help="Timed seconds per scenario.")
    parser.add_argument("--warmup", type=float, default=3.0, help="Warm-up seconds per scenario.")
    parser.add_argument("--quick", action="store_true", help="4 s windows after 1 s warm-ups.")
    parser.add_argument(
        "--client-processes",
        type=int,
        default=1,
        help="Load-generator processes (concurrency 1 always uses one).",
    )
    parser.add_argument(
        "--no-inference-log", action="store_true", help="Turn driftloop's inference log off."
    )
    parser.add_argument("--no-hot-swap", action="store_true", help="Skip the hot-swap run.")
    parser.add_argument(
        "--predict-path", default="/v1/predict", help="driftloop's versioned predict endpoint."
    )
    parser.add_argument("--max-batch-size", type=int, help="Passed to driftloop serve.")
    parser.add_argument("--max-wait-ms", type=float, help="Passed to driftloop serve.")
    parser.add_argument(
        "--serve-arg",
        action="append",
        default=[],
        help="Extra argument for driftloop serve (repeatable), e.g. --serve-arg=--trusted.",
    )
    parser.add_argument(
        "--target",
        choices=["alias", "deployment"],
        default="alias",
        help=f"What driftloop serves: models:/{MODEL_NAME}@{ALIAS}, or the deployment "
        f"{DEPLOYMENT!r} that follows the same alias.",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="Run driftloop serve under a sampling profiler (1 worker) and print where each "
        "scenario's time went; its figures are then not comparable.",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="Repeat the scenarios; each figure is the median over rounds.",
    )
    parser.add_argument(
        "--omp-threads",
        type=int,
        help="Set OMP_NUM_THREADS for both servers (default: unset, the libraries' choice).",
    )
    parser.add_argument("--json", type=Path, default=OUT / "serving.json", help="Raw results.")
    args = parser.parse_args(argv)
    extra: list[str] = list(args.serve_arg)
    if args.max_batch_size is not None:
        extra += ["--max-batch-size", str(args.max_batch_size)]
    if args.max_wait_ms is not None:
        extra += ["--max-wait-ms", str(args.max_wait_ms)]
    return Config(
        servers=(args.only,) if args.only else ("mlflow", "driftloop"),
        workers=tuple(int(w) for w in args.workers.split(",")),
        warmup_s=1.0 if args.quick else args.warmup,
        duration_s=4.0 if args.quick else args.duration,
        client_processes=args.client_processes,
        inference_log=not args.no_inference_log,
        hot_swap=not args.no_hot_swap,
        predict_path=args.predict_path,
        driftloop_args=tuple(extra),
        profile=args.profile,
        target=DEPLOYMENT if args.target == "deployment" else f"models:/{MODEL_NAME}@{ALIAS}",
        json_path=args.json,
        rounds=args.rounds,
        omp_threads=args.omp_threads,
    )


def payloads(frame: Any, rows: int, count: int) -> tuple[bytes, ...]:
    """``count`` distinct ``dataframe_split`` bodies of ``rows`` consecutive rows each."""
    columns = list(frame.columns)
    values = frame.to_numpy().tolist()
    bodies = []
    for i in range(count):
        chunk = [values[(i * rows + j) % len(values)] for j in range(rows)]
        bodies.append(json.dumps({"dataframe_split": {"columns": columns, "data": chunk}}).encode())
    return tuple(bodies)


def client_capacity() -> dict[str, float]:
    """Requests/s the load generator pushes against a trivial server, 1 and 2 processes."""
    import multiprocessing

    port = free_port()
    server = multiprocessing.get_context("spawn").Process(target=serve_trivial, args=(port,))
    server.start()
    try:
        _wait_port(port)
        body = (b'{"dataframe_split": {"columns": ["f0"], "data": [[0.5]]}}',)
        found = {}
        for processes in (1, 2):
            spec = LoadSpec(f"http://127.0.0.1:{port}/invocations", body, 64, 0.5, 2.0, processes)
            found[f"{processes} process(es), concurrency 64"] = run_load(spec).requests_per_s
        return found
    finally:
        server.terminate()
        server.join(10)


def _wait_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.post(f"http://127.0.0.1:{port}/", content=b"{}", timeout=1)
        except httpx.HTTPError:
            time.sleep(0.1)
        else:
            return
    raise RuntimeError("the trivial server did not start")


def prepare(scratch: Path, cfg: Config) -> dict[str, Any]:
    console.print("training the HistGradientBoostingClassifier (20k x 20)", highlight=False)
    frame, labels = make_data()
    model = train(frame, labels)
    live, _ = make_data(rows=DISTINCT_SINGLE * 2, seed=7)
    single = payloads(live, 1, DISTINCT_SINGLE)
    batch = payloads(live, 100, DISTINCT_BATCH)
    expected = [int(p) for p in model.predict(live.iloc[:100])]
    data: dict[str, Any] = {
        "frame": frame,
        "labels": labels,
        "single": single,
        "batch": batch,
        "expected": expected,
    }
    if "mlflow" in cfg.servers:
        data["mlflow_uri"], data["mlflow_tracking"] = log_mlflow(model, frame, scratch / "mlflow")
    if "driftloop" in cfg.servers:
        data["dl_folder"] = scratch / "driftloop"
        log_driftloop(model, frame, labels, data["dl_folder"])
        data["model_v2"] = train(frame, labels, max_iter=50)
    return data


def environment() -> dict[str, Any]:
    import mlflow
    import sklearn

    import driftloop

    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "mlflow": mlflow.__version__,
        "driftloop": driftloop.__version__,
        "scikit_learn": sklearn.__version__,
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
    }


def verdicts(results: Results) -> list[str]:
    lines = []
    for row in results.rows:
        if row.server != "driftloop" or row.rows_per_request != 1:
            continue
        speed, p99 = ratios(results, row)
        if math.isnan(speed):
            continue
        ok = speed >= THROUGHPUT_TARGET and p99 <= 1.0 and row.errors == 0
        lines.append(
            f"{'PASS' if ok else 'FAIL'} {row.scenario}, {row.workers} worker(s): "
            f"{speed:.2f}x MLflow's requests/s (target >= {THROUGHPUT_TARGET:.0f}x), "
            f"p99 {p99:.2f}x MLflow's (target <= 1x), errors {row.errors}"
        )
    for swap in results.hot_swaps:
        ok = swap["errors"] == 0 and swap["first_new_answer_after_alias_s"] is not None
        lines.append(
            f"{'PASS' if ok else 'FAIL'} hot swap, {swap['workers']} worker(s): "
            f"{swap['errors']} errors, new version first answered "
            f"{swap['first_new_answer_after_alias_s']} s after the alias moved"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv)
    if "driftloop" in cfg.servers:
        usage = driftloop_serve_help()
        if usage is None:
            console.print("[red]`driftloop serve` does not exist yet; use --only mlflow[/red]")
            return 2
        if "--trusted" in usage and "--trusted" not in cfg.driftloop_args:
            # HistGradientBoosting's tree nodes are outside skops' trusted types; we trained
            # this model ourselves (MLflow's side names the type as trusted when logging).
            cfg = replace(cfg, driftloop_args=(*cfg.driftloop_args, "--trusted"))
    results = Results(environment=environment())
    results.environment["omp_num_threads"] = cfg.omp_threads
    results.environment["driftloop_target"] = cfg.target
    results.environment["driftloop_args"] = list(cfg.driftloop_args)
    results.client_capacity = client_capacity()
    for name, rate in results.client_capacity.items():
        console.print(f"load generator vs a trivial server, {name}: {rate:,.0f} req/s")
    with tempfile.TemporaryDirectory(prefix="serving-bench-") as folder:
        scratch = Path(folder)
        data = prepare(scratch, cfg)
        for workers in cfg.workers:
            run_workers(workers, data, scratch, cfg, results)
    for scenario in SCENARIOS:
        console.print(render(results, scenario))
    results.notes = verdicts(results)
    for line in results.notes:
        console.print(line, highlight=False)
    write(results, cfg.json_path)
    console.print(f"raw results: {cfg.json_path}", highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
