"""Server benchmark: the same MLflow-client workload against `mlflow server` and `driftloop server`.

Run from the repository root (the test extra installs MLflow 3.17.2 into the project venv)::

    .venv/bin/python benchmarks/server.py [--quick] [--backends sqlite,postgresql] [--workers 2]

For each backend and each server, on a fresh database:

1. ``search``: ``search_runs`` with ``metrics.acc > 0.5 AND params.model = 'gbm'`` ordered by
   ``metrics.acc DESC``, ``max_results=100``, over 10,000 runs bulk-inserted into the server's
   own schema (then ``VACUUM ANALYZE`` on PostgreSQL) before it starts (creating them through
   the API would take minutes on MLflow); median and p99 of 50 calls. Measured first, on the
   quiet databases (after the ingest below, autovacuum and checkpoints would still be running
   through them), with both servers up and the calls interleaved in blocks of 10, so that
   whatever else loads the machine loads both columns alike; after each block both servers
   are left to go idle (what a server does after answering is its own cost, not the next
   block's). Both servers must return the same run ids. The client's own floor is measured
   too: the same calls against a server that answers driftloop's response bytes at once
   (``_canned_server.py``); no server can beat it, so MLflow's median over it bounds the
   ratio. ``benchmarks/search_profile.py`` splits one search into its stages.
2. ``log_batch``: 8 client processes, each with its own run, send ``log_batch`` calls of 1,000
   metric points through ``MlflowClient``; points/s over the wall time of the slowest client,
   and the p50/p99 call latency.
3. ``history``: ``get_metric_history`` of a 100,000-point series; median of 5.

For search and log_batch the table also gives each server's own CPU per call (its process
tree, plus PostgreSQL's on that backend; ``_cpu.py``): on a 2-core machine the mlflow client
in the same run spends more than driftloop's server does, and these rows show the servers
alone.

Both servers run with the same worker count, bound to 127.0.0.1, artifacts served. Targets:
log_batch >= 5x and search >= 5x MLflow's in the same run. Results: the table on stdout, and
``benchmarks/.out/server.{json,md}``.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _canned_server import canned_server
from _common import (
    Figure,
    Latency,
    Report,
    ScratchDatabases,
    base_environment,
    console,
    pg_server_version,
    render,
    render_markdown,
    write_json,
)
from _cpu import CpuMeter, postmaster_pid, wait_until_idle
from _sides import DriftloopSide, MlflowSide, Side, insert_runs, quiet_mlflow

OUT = Path(__file__).resolve().parent / ".out"
BIN = Path(sys.executable).parent
SEARCH_FILTER = "metrics.acc > 0.5 AND params.model = 'gbm'"
SEARCH_ORDER = ["metrics.acc DESC"]
CLIENTS = 8
BATCH = 1000
TARGET = 5.0
SEARCH_BLOCK = 10
KINDS = ("driftloop", "mlflow")


@dataclass(frozen=True, slots=True)
class Config:
    backends: tuple[str, ...]
    workers: int
    runs: int
    batches_per_client: int
    history_points: int
    search_reps: int
    search_page: int = 100
    ingest: bool = True


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(kind: str, db_uri: str, artifacts: Path, workers: int) -> Iterator[str]:
    """Start ``mlflow server`` or ``driftloop server`` on a free port; yield its URL."""
    port = free_port()
    common = ["--backend-store-uri", db_uri, "--host", "127.0.0.1", "--port", str(port)]
    common += ["--workers", str(workers)]
    if kind == "mlflow":
        command = [
            str(BIN / "mlflow"),
            "server",
            *common,
            "--artifacts-destination",
            str(artifacts),
        ]
    else:
        command = [str(BIN / "driftloop"), "server", *common]
        command += ["--artifacts-destination", str(artifacts)]
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    log = (artifacts.parent / f"{kind}-{port}.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{kind} server did not start; see {log.name}")
            time.sleep(0.2)
        wait_until_idle(process.pid)
        SERVER_PIDS[url] = process.pid
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


SERVER_PIDS: dict[str, int] = {}
"""The process id of each running server, by URL (for the CPU meters)."""

_START_TOGETHER: list[Any] = []
"""In each client process: the barrier its clients pass before their first timed call."""


def _join_clients(barrier: Any) -> None:
    _START_TOGETHER.append(barrier)


def _client_ingest(args: tuple[str, str, int, int]) -> tuple[float, float, list[float]]:
    """One client process: its own run, ``batches`` log_batch calls; (start, end, latencies)."""
    url, experiment_id, batches, seed = args
    quiet_mlflow()
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=url)
    run_id = client.create_run(experiment_id).info.run_id
    now = int(time.time() * 1000)
    # Every client has imported MLflow (seconds of CPU each) before any starts logging:
    # otherwise the first clients' calls share the cores with the others' imports.
    _START_TOGETHER[0].wait()
    latencies: list[float] = []
    start = time.time()  # wall clock: comparable across the client processes
    for batch in range(batches):
        metrics = [
            Metric("loss", 1.0 / (i + 1 + seed), now, batch * BATCH + i) for i in range(BATCH)
        ]
        began = time.perf_counter()
        client.log_batch(run_id, metrics=metrics)
        latencies.append((time.perf_counter() - began) * 1000)
    end = time.time()
    return start, end, latencies


def bench_ingest(url: str, cfg: Config) -> tuple[float, Latency]:
    quiet_mlflow()
    from mlflow.tracking import MlflowClient

    experiment_id = MlflowClient(tracking_uri=url).create_experiment(f"ingest-{time.time_ns()}")
    context = multiprocessing.get_context("spawn")
    jobs = [(url, experiment_id, cfg.batches_per_client, seed) for seed in range(CLIENTS)]
    barrier = context.Barrier(CLIENTS)
    with context.Pool(CLIENTS, initializer=_join_clients, initargs=(barrier,)) as pool:
        results = pool.map(_client_ingest, jobs, chunksize=1)
    # From the first client's first call to the last client's last: process start-up and the
    # mlflow import are not the server's time.
    wall = max(end for _, end, _ in results) - min(start for start, _, _ in results)
    points = CLIENTS * cfg.batches_per_client * BATCH
    latencies = tuple(value for _, _, values in results for value in values)
    return points / wall, Latency(latencies)


def search_request(experiment_id: str, page: int = 100) -> dict[str, object]:
    """The JSON body ``MlflowClient.search_runs`` sends for the benchmark's search."""
    return {
        "experiment_ids": [experiment_id],
        "filter": SEARCH_FILTER,
        "order_by": SEARCH_ORDER,
        "max_results": page,
        "run_view_type": "ACTIVE_ONLY",
    }


def search_answer(url: str, experiment_id: str, page: int = 100) -> bytes:
    """The server's raw answer to the benchmark's search."""
    body = search_request(experiment_id, page)
    response = httpx.post(f"{url}/api/2.0/mlflow/runs/search", json=body, timeout=60)
    response.raise_for_status()
    return response.content


def bench_search(
    targets: dict[str, tuple[str, str]], cfg: Config, meter: CpuMeter | None = None
) -> dict[str, tuple[Latency, list[str]]]:
    """Time ``search_runs`` against each ``name: (url, experiment_id)``, interleaved.

    The calls go in blocks of :data:`SEARCH_BLOCK` per server, the servers' order swapped
    from one block to the next: whatever else loads the machine meanwhile loads every
    column alike. Returns each target's latencies and the run ids it found.
    """
    quiet_mlflow()
    from mlflow.tracking import MlflowClient

    def caller(url: str, experiment_id: str) -> Callable[[], list[str]]:
        client = MlflowClient(tracking_uri=url)

        def call() -> list[str]:
            runs = client.search_runs(
                [experiment_id], SEARCH_FILTER, order_by=SEARCH_ORDER, max_results=cfg.search_page
            )
            return [run.info.run_id for run in runs]

        return call

    calls = {name: caller(url, experiment_id) for name, (url, experiment_id) in targets.items()}
    found = {name: call() for name, call in calls.items()}
    for call in calls.values():
        call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    order = list(calls)
    while len(samples[order[0]]) < cfg.search_reps:
        for name in order:
            block = min(SEARCH_BLOCK, cfg.search_reps - len(samples[name]))
            with meter.measure(name, block) if meter else contextlib.nullcontext():
                for _ in range(block):
                    began = time.perf_counter()
                    calls[name]()
                    samples[name].append((time.perf_counter() - began) * 1000)
                # What a server still does after its block (collections, its background
                # workers) is its own: it must not run into the next server's block.
                for pid in meter.pids.values() if meter else ():
                    wait_until_idle(pid, timeout=10, window=0.25)
        order.reverse()
    return {name: (Latency(tuple(samples[name])), found[name]) for name in calls}


def bench_history(url: str, cfg: Config) -> Latency:
    quiet_mlflow()
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=url)
    experiment_id = client.create_experiment(f"history-{time.time_ns()}")
    run_id = client.create_run(experiment_id).info.run_id
    now = int(time.time() * 1000)
    for start in range(0, cfg.history_points, BATCH):
        client.log_batch(
            run_id,
            metrics=[Metric("loss", 1.0 / (i + 1), now, i) for i in range(start, start + BATCH)],
        )
    samples = []
    for _ in range(5):
        began = time.perf_counter()
        points = client.get_metric_history(run_id, "loss")
        samples.append((time.perf_counter() - began) * 1000)
        if len(points) != cfg.history_points:
            raise RuntimeError(f"history returned {len(points)} points")
    return Latency(tuple(samples))


def populate(side: Side, count: int) -> str:
    experiment_id = side.create_experiment("search")
    insert_runs(side, experiment_id, count)
    if side.engine.dialect.name == "postgresql":
        from sqlalchemy import text

        # VACUUM as autovacuum would soon do (visibility maps set, statistics fresh): the
        # state of a database that has been in use, and no autovacuum during the search.
        with side.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return experiment_id


@dataclass(frozen=True, slots=True)
class Prepared:
    """One server's populated database."""

    kind: str
    db_uri: str
    artifacts: Path
    experiment_id: str


def prepare(dbs: ScratchDatabases, backend: str, kind: str, cfg: Config) -> Prepared:
    """A fresh database for ``kind`` with the search's runs bulk-inserted."""
    db_uri = dbs.new(backend, f"srv_{kind}")
    artifacts = dbs.root / f"artifacts-srv-{kind}-{backend}"
    artifacts.mkdir()
    side: Side = (DriftloopSide if kind == "driftloop" else MlflowSide)(db_uri, artifacts.as_uri())
    experiment_id = populate(side, cfg.runs)
    side.close()
    console.print(f"  {backend}: {kind} database ({cfg.runs} runs populated)")
    return Prepared(kind, db_uri, artifacts, experiment_id)


def run_backend(report: Report, dbs: ScratchDatabases, backend: str, cfg: Config) -> None:
    prepared = {kind: prepare(dbs, backend, kind, cfg) for kind in KINDS}
    # Searches first, both servers up, interleaved: on quiet databases (after an ingest,
    # autovacuum and checkpoints would run through them) and under the same machine load.
    with contextlib.ExitStack() as stack:
        urls = {
            kind: stack.enter_context(running_server(kind, p.db_uri, p.artifacts, cfg.workers))
            for kind, p in prepared.items()
        }
        load = os.getloadavg()[0]
        database = postmaster_pid(prepared["driftloop"].db_uri) if backend == "postgresql" else None
        search_cpu = CpuMeter({kind: SERVER_PIDS[urls[kind]] for kind in KINDS}, database)
        searches = bench_search(
            {kind: (urls[kind], prepared[kind].experiment_id) for kind in KINDS}, cfg, search_cpu
        )
        answer = search_answer(
            urls["driftloop"], prepared["driftloop"].experiment_id, cfg.search_page
        )
    report.notes.append(f"{backend}: load average {load:.1f} when the searches began")
    with canned_server(answer, free_port()) as url:
        floor = bench_search({"floor": (url, prepared["driftloop"].experiment_id)}, cfg)
    results: dict[str, dict[str, object]] = {}
    for kind, p in prepared.items():
        results[kind] = {
            "search": searches[kind][0],
            "found": searches[kind][1],
            "search_cpu_ms": search_cpu.per_call_ms(kind),
        }
        if cfg.ingest:
            with running_server(kind, p.db_uri, p.artifacts, cfg.workers) as url:
                ingest_cpu = CpuMeter({kind: SERVER_PIDS[url]}, database)
                with ingest_cpu.measure(kind, CLIENTS * cfg.batches_per_client):
                    throughput, batch_latency = bench_ingest(url, cfg)
                history = bench_history(url, cfg)
            results[kind] |= {
                "throughput": throughput,
                "batch": batch_latency,
                "history": history,
                "batch_cpu_ms": ingest_cpu.per_call_ms(kind),
            }
    dl, ml = results["driftloop"], results["mlflow"]
    if dl["found"] != ml["found"]:
        report.checks.append(f"{backend}: search results differ between the servers")
    report_search(report, backend, cfg, dl, ml, floor)
    if cfg.ingest:
        report_ingest(report, backend, cfg, dl, ml)


def report_ingest(
    report: Report, backend: str, cfg: Config, dl: dict[str, object], ml: dict[str, object]
) -> None:
    tp_dl, tp_ml = float(dl["throughput"]), float(ml["throughput"])  # type: ignore[arg-type]
    report.figures += [
        Figure(
            f"log_batch, {CLIENTS} clients",
            backend,
            f"{CLIENTS * cfg.batches_per_client}k pts",
            "points/s",
            tp_dl,
            tp_ml,
            True,
            f">= {TARGET:.0f}x MLflow",
            tp_dl >= TARGET * tp_ml,
        ),
    ]
    for stat in ("median", "p99"):
        report.figures.append(
            Figure(
                "log_batch call",
                backend,
                "1000 pts",
                f"{stat} ms",
                _stat(dl["batch"], stat),
                _stat(ml["batch"], stat),
                False,
            )
        )
    report.figures.append(
        Figure(
            f"log_batch server CPU per call ({_cpu_parts(backend)})",
            backend,
            "1000 pts",
            "ms",
            _number(dl["batch_cpu_ms"]),
            _number(ml["batch_cpu_ms"]),
            False,
        )
    )
    report.figures.append(
        Figure(
            "get_metric_history",
            backend,
            f"{cfg.history_points // 1000}k pts",
            "median ms",
            _stat(dl["history"], "median"),
            _stat(ml["history"], "median"),
            False,
        )
    )


def report_search(
    report: Report,
    backend: str,
    cfg: Config,
    dl: dict[str, object],
    ml: dict[str, object],
    floor: dict[str, tuple[Latency, list[str]]],
) -> None:
    size_runs = f"{cfg.runs // 1000}k runs"
    for stat in ("median", "p99"):
        dl_s, ml_s = _stat(dl["search"], stat), _stat(ml["search"], stat)
        gated = stat == "median"
        report.figures.append(
            Figure(
                f"search_runs (filter + order, {cfg.search_page})",
                backend,
                size_runs,
                f"{stat} ms",
                dl_s,
                ml_s,
                False,
                f">= {TARGET:.0f}x faster" if gated else "",
                (ml_s >= TARGET * dl_s) if gated else None,
            )
        )
    report.figures.append(
        Figure(
            "search_runs floor: the mlflow client alone (a server answering at once)",
            backend,
            size_runs,
            "median ms",
            _stat(floor["floor"][0], "median"),
            _stat(ml["search"], "median"),
            False,
        )
    )
    report.figures.append(
        Figure(
            f"search_runs server CPU per call ({_cpu_parts(backend)})",
            backend,
            size_runs,
            "ms",
            _number(dl["search_cpu_ms"]),
            _number(ml["search_cpu_ms"]),
            False,
        )
    )


def _cpu_parts(backend: str) -> str:
    return "server processes + PostgreSQL" if backend == "postgresql" else "server processes"


def _number(value: object) -> float:
    if not isinstance(value, float | int):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _stat(latency: object, stat: str) -> float:
    if not isinstance(latency, Latency):
        raise TypeError(f"expected a Latency, got {type(latency).__name__}")
    ordered = sorted(latency.samples_ms)
    if stat == "p99":  # nearest rank
        return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]
    return statistics.median(ordered)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller workloads")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target FAILs")
    parser.add_argument(
        "--search-page",
        type=int,
        default=100,
        help="max_results of the search (the mlflow client's own default is 1000)",
    )
    parser.add_argument(
        "--search-only", action="store_true", help="skip the log_batch and history workloads"
    )
    args = parser.parse_args()
    cfg = Config(
        backends=tuple(args.backends.split(",")),
        workers=args.workers,
        runs=2_000 if args.quick else 10_000,
        batches_per_client=3 if args.quick else 20,
        history_points=10_000 if args.quick else 100_000,
        search_reps=10 if args.quick else 50,
        search_page=args.search_page,
        ingest=not args.search_only,
    )
    report = Report(title=f"driftloop server vs mlflow server 3.17.2 ({cfg.workers} workers)")
    report.environment = base_environment() | {"postgresql": pg_server_version()}
    report.command = " ".join(sys.argv)
    dbs = ScratchDatabases()
    try:
        for backend in cfg.backends:
            run_backend(report, dbs, backend, cfg)
    finally:
        dbs.close()
    console.print(render(report))
    for note in report.notes:
        console.print(note, highlight=False)
    for check in report.checks:
        console.print(f"[red]check failed:[/] {check}")
    console.print(f"environment: {report.environment}", highlight=False)
    write_json(report, OUT / "server.json")
    (OUT / "server.md").write_text(render_markdown(report), encoding="utf-8")
    failed = any(f.passed is False for f in report.figures) or bool(report.checks)
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
