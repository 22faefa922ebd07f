"""Tracking benchmark: driftloop's SQL store against MLflow's SqlAlchemyStore, same workloads.

Run it from the repository root with the benchmark venv::

    .venv-bench/bin/python benchmarks/tracking.py [--quick] [--backends sqlite,postgresql]
        [--runs 10000,100000] [--workloads fluent,batch,history,search] [--strict]

Workloads, each on a fresh database per side and backend:

1. ``fluent``: points/s through the fluent ``log_metric`` (driftloop batches in the
   background and is timed up to the ``end_run`` flush; MLflow runs in its default
   ``synchronous=True`` mode, with ``synchronous=False`` reported as a note).
2. ``batch``: points/s through ``log_batch`` with 1000 metric points per call.
3. ``history``: latency of reading back the series written by ``batch`` (100k points).
4. ``search``: ``search_runs`` latency with a metric + param filter and a metric ordering,
   over N runs in one experiment, populated by bulk SQL into each store's own schema.

The table goes to stdout, the same figures as JSON to ``benchmarks/.out/tracking.json`` and
as a Markdown table beside it. Targets (``log_batch`` >= 10x MLflow; search at >= 100k runs
>= 10x faster than MLflow and < 200 ms) are marked PASS/FAIL; ``--strict`` exits 1 on a FAIL.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rich.markup import escape
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    Figure,
    Latency,
    Report,
    ScratchDatabases,
    base_environment,
    console,
    fmt_value,
    measure_latency,
    pg_server_version,
    progress,
    render,
    render_markdown,
    write_json,
)
from _sides import DriftloopSide, MlflowSide, Point, Side, quiet_mlflow, run_specs

SEARCH_FILTER = "metrics.acc > 0.5 AND params.model = 'gbm'"
SEARCH_ORDER = ["metrics.acc DESC"]
SEARCH_MAX_RESULTS = (100, 1000)
BATCH_SIZE = 1000
HISTORY_KEY = "loss"
BATCH_TARGET = 10.0
SEARCH_TARGET = 10.0
SEARCH_CEILING_MS = 200.0
SEARCH_TARGET_RUNS = 100_000
POPULATE_CHUNK = 2000
DEFAULT_JSON = Path(__file__).resolve().parent / ".out" / "tracking.json"
WORKLOADS = ("fluent", "batch", "history", "search")


@dataclass(frozen=True, slots=True)
class Config:
    """Sizes of every workload; ``--quick`` shrinks them for a smoke test."""

    backends: tuple[str, ...] = ("sqlite",)
    workloads: tuple[str, ...] = WORKLOADS
    fluent_points: int = 100_000
    mlflow_fluent_points: int = 2_000
    batch_calls: int = 100
    run_counts: tuple[int, ...] = (10_000, 100_000)
    search_reps: int = 20
    search_budget_s: float = 90.0
    history_reps: int = 5


QUICK = Config(
    fluent_points=10_000,
    mlflow_fluent_points=300,
    batch_calls=10,
    run_counts=(2_000,),
    search_reps=5,
    search_budget_s=10.0,
    history_reps=3,
)


def log(message: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {message}", highlight=False)


def size_label(count: int) -> str:
    return f"{count // 1000}k" if count >= 1000 and count % 1000 == 0 else str(count)


# --------------------------------------------------------------------------- fluent API


def driftloop_fluent(tracking_uri: str, points: int) -> tuple[float, int]:
    """Seconds to log ``points`` metric points through the fluent API, flush included."""
    import driftloop

    driftloop.set_tracking_uri(tracking_uri)
    start = time.perf_counter()
    with driftloop.start_run(experiment="fluent") as run:
        for step in range(points):
            driftloop.log_metric(HISTORY_KEY, step * 0.001, step=step)
    elapsed = time.perf_counter() - start
    stored = len(run.client.get_metric_history(run.run_id, HISTORY_KEY))
    return elapsed, stored


def mlflow_fluent(tracking_uri: str, points: int, *, synchronous: bool) -> tuple[float, int]:
    """Seconds to log ``points`` points with ``mlflow.log_metric``, ``end_run`` included."""
    quiet_mlflow()
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment("fluent")
    start = time.perf_counter()
    with mlflow.start_run() as run:
        for step in range(points):
            mlflow.log_metric(HISTORY_KEY, step * 0.001, step=step, synchronous=synchronous)
        if not synchronous:
            mlflow.flush_async_logging()
    elapsed = time.perf_counter() - start
    stored = len(mlflow.MlflowClient().get_metric_history(run.info.run_id, HISTORY_KEY))
    return elapsed, stored


def bench_fluent(report: Report, dbs: ScratchDatabases, backend: str, cfg: Config) -> None:
    log(f"fluent log_metric on {backend}: driftloop {cfg.fluent_points:,} points")
    dl_s, dl_n = driftloop_fluent(dbs.new(backend, "dl_fluent"), cfg.fluent_points)
    log(f"fluent log_metric on {backend}: MLflow {cfg.mlflow_fluent_points:,} points (sync)")
    ml_s, ml_n = mlflow_fluent(
        dbs.new(backend, "ml_fluent"), cfg.mlflow_fluent_points, synchronous=True
    )
    async_points = max(100, cfg.mlflow_fluent_points // 4)
    log(f"fluent log_metric on {backend}: MLflow {async_points:,} points (synchronous=False)")
    ml_async_s, ml_async_n = mlflow_fluent(
        dbs.new(backend, "ml_fluent_async"), async_points, synchronous=False
    )
    _check(report, f"fluent/{backend}: driftloop stored", dl_n, cfg.fluent_points)
    _check(report, f"fluent/{backend}: MLflow stored", ml_n, cfg.mlflow_fluent_points)
    _check(report, f"fluent/{backend}: MLflow async stored", ml_async_n, async_points)
    report.add(
        Figure(
            workload="fluent log_metric",
            backend=backend,
            size=(
                f"dl {size_label(cfg.fluent_points)} / "
                f"ml {size_label(cfg.mlflow_fluent_points)} pts"
            ),
            stat="points/s",
            driftloop=dl_n / dl_s,
            mlflow=ml_n / ml_s,
            higher_is_better=True,
        )
    )
    report.notes.append(
        f"fluent/{backend}: MLflow with synchronous=False (async logging, {async_points:,} "
        "points, flushed) reached "
        f"{fmt_value(ml_async_n / ml_async_s, 'points/s')} points/s; the table shows MLflow's "
        "default synchronous mode."
    )


# --------------------------------------------------------------------------- log_batch + history


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """A store after the batch workload: the run holding the long series."""

    side: Side
    run_id: str
    points: int


def ingest(side: Side, cfg: Config) -> tuple[float, BatchOutcome]:
    """Log ``batch_calls`` batches of 1000 points of one series; return points/s."""
    experiment_id = side.create_experiment("batch")
    run_id = side.create_run(experiment_id)
    base_ms = int(time.time() * 1000)
    batches = [
        [
            Point(HISTORY_KEY, 1.0 / (step + 1), base_ms + step, step)
            for step in range(call * BATCH_SIZE, (call + 1) * BATCH_SIZE)
        ]
        for call in range(cfg.batch_calls)
    ]
    with progress() as bar:
        task = bar.add_task(f"{side.name} log_batch", total=len(batches))
        start = time.perf_counter()
        for batch in batches:
            side.log_batch(run_id, batch)
            bar.advance(task)
        elapsed = time.perf_counter() - start
    points = cfg.batch_calls * BATCH_SIZE
    return points / elapsed, BatchOutcome(side, run_id, points)


def bench_batch(
    report: Report, dbs: ScratchDatabases, backend: str, cfg: Config
) -> tuple[BatchOutcome, BatchOutcome]:
    outcomes = []
    rates = []
    for label, factory in (("dl", DriftloopSide), ("ml", MlflowSide)):
        side = factory(dbs.new(backend, f"{label}_batch"), dbs.artifact_root(f"{label}_batch"))
        log(f"log_batch on {backend}: {side.name}, {cfg.batch_calls} x {BATCH_SIZE} points")
        rate, outcome = ingest(side, cfg)
        rates.append(rate)
        outcomes.append(outcome)
    figure = report.add(
        Figure(
            workload=f"log_batch ({BATCH_SIZE} metrics/call)",
            backend=backend,
            size=f"{size_label(cfg.batch_calls * BATCH_SIZE)} pts",
            stat="points/s",
            driftloop=rates[0],
            mlflow=rates[1],
            higher_is_better=True,
            target=f">= {BATCH_TARGET:g}x MLflow",
        )
    )
    figure.passed = (figure.advantage or 0) >= BATCH_TARGET
    return outcomes[0], outcomes[1]


def bench_history(
    report: Report, backend: str, cfg: Config, outcomes: tuple[BatchOutcome, BatchOutcome]
) -> None:
    latencies: list[Latency] = []
    for outcome in outcomes:
        side = outcome.side
        log(f"get_metric_history on {backend}: {side.name}, {outcome.points:,}-point series")
        count = side.metric_history(outcome.run_id, HISTORY_KEY)
        _check(report, f"history/{backend}: {side.name} read", count, outcome.points)
        latencies.append(
            measure_latency(
                lambda s=side, r=outcome.run_id: s.metric_history(r, HISTORY_KEY),
                reps=cfg.history_reps,
                warmup=1,
            )
        )
    dl, ml = latencies
    report.add(
        Figure(
            workload="get_metric_history",
            backend=backend,
            size=f"{size_label(outcomes[0].points)} pts",
            stat="median ms",
            driftloop=dl.median,
            mlflow=ml.median,
            higher_is_better=False,
        )
    )


# --------------------------------------------------------------------------- search_runs


def populate(side: Side, experiment_id: str, start: int, count: int) -> float:
    """Bulk-insert runs ``start .. start+count-1`` into the side's own tables; return seconds."""
    began = time.perf_counter()
    with progress() as bar:
        task = bar.add_task(f"{side.name}: bulk insert runs", total=count)
        done = 0
        while done < count:
            chunk = min(POPULATE_CHUNK, count - done)
            rows = side.bulk_rows(experiment_id, list(run_specs(start + done, chunk)))
            with side.engine.begin() as conn:
                for table, table_rows in rows.items():
                    conn.execute(table.insert(), table_rows)
            done += chunk
            bar.advance(task, chunk)
    if side.engine.dialect.name == "postgresql":
        with side.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - began


def search_latencies(
    sides: Sequence[Side], experiments: Sequence[str], max_results: int, cfg: Config
) -> tuple[list[Latency], list[list[str]]]:
    """Time ``search_runs`` on every side, interleaving the sides rep by rep.

    Interleaving spreads background load on the machine over both stores alike. Each side
    gets one warm-up call (two when it takes under 5 s), whose result is returned for the
    cross-check; then it is timed ``search_reps`` times, or fewer once its timed calls have
    used up ``search_budget_s``, but at least 3 times (once if a call takes over 20 s).
    """
    calls: list[Callable[[], list[str]]] = [
        lambda s=side, e=experiment_id: s.search(e, SEARCH_FILTER, SEARCH_ORDER, max_results)
        for side, experiment_id in zip(sides, experiments, strict=True)
    ]
    results: list[list[str]] = []
    min_reps: list[int] = []
    for call in calls:
        start = time.perf_counter()
        results.append(call())
        warm_s = time.perf_counter() - start
        if warm_s < 5:
            call()
        min_reps.append(3 if warm_s < 20 else 1)
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(cfg.search_reps):
        for call, timed, least in zip(calls, samples, min_reps, strict=True):
            if len(timed) >= least and sum(timed) / 1000 > cfg.search_budget_s:
                continue
            start = time.perf_counter()
            call()
            timed.append((time.perf_counter() - start) * 1000)
    return [Latency(tuple(timed)) for timed in samples], results


def bench_search(report: Report, dbs: ScratchDatabases, backend: str, cfg: Config) -> None:
    sides: list[Side] = [
        DriftloopSide(dbs.new(backend, "dl_search"), dbs.artifact_root("dl_search")),
        MlflowSide(dbs.new(backend, "ml_search"), dbs.artifact_root("ml_search")),
    ]
    experiments = [side.create_experiment("search") for side in sides]
    populated = 0
    try:
        for count in sorted(cfg.run_counts):
            for side, experiment_id in zip(sides, experiments, strict=True):
                log(
                    f"search on {backend}: bulk SQL insert of runs {populated:,}..{count:,} "
                    f"into {side.name}'s tables"
                )
                seconds = populate(side, experiment_id, populated, count - populated)
                log(f"  done in {seconds:.1f} s")
            populated = count
            _search_figures(report, backend, cfg, sides, experiments, count)
    finally:
        for side in sides:
            side.close()


def _search_figures(
    report: Report,
    backend: str,
    cfg: Config,
    sides: Sequence[Side],
    experiments: Sequence[str],
    count: int,
) -> None:
    has_target = count >= SEARCH_TARGET_RUNS
    for max_results in SEARCH_MAX_RESULTS:
        log(f"search on {backend}: {count:,} runs, max_results={max_results}")
        latencies, results = search_latencies(sides, experiments, max_results, cfg)
        same = results[0] == results[1]
        report.checks.append(
            f"search/{backend}/{size_label(count)} runs/max_results={max_results}: "
            f"{len(results[0])} runs returned, same runs in the same order as MLflow: {same}"
        )
        dl, ml = latencies
        base = Figure(
            workload=f"search_runs max_results={max_results}",
            backend=backend,
            size=f"{size_label(count)} runs",
            stat="median ms",
            driftloop=dl.median,
            mlflow=ml.median,
            higher_is_better=False,
        )
        if has_target:
            base.target = f">= {SEARCH_TARGET:g}x faster & < {SEARCH_CEILING_MS:g} ms"
            base.passed = (base.advantage or 0) >= SEARCH_TARGET and dl.median < SEARCH_CEILING_MS
        report.add(base)
        report.add(
            replace(base, stat="p95 ms", driftloop=dl.p95, mlflow=ml.p95, target="", passed=None)
        )
        report.checks.append(
            f"search/{backend}/{size_label(count)} runs/max_results={max_results}: "
            f"reps driftloop={len(dl.samples_ms)} MLflow={len(ml.samples_ms)}"
        )


# --------------------------------------------------------------------------- main


def _check(report: Report, what: str, got: int, expected: int) -> None:
    status = "ok" if got == expected else "MISMATCH"
    report.checks.append(f"{what} {got:,} of {expected:,} points: {status}")


def parse_args(argv: Sequence[str] | None) -> tuple[Config, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, < 2 minutes")
    parser.add_argument("--backends", default="sqlite", help="comma list: sqlite,postgresql")
    parser.add_argument("--runs", help="comma list of run counts for search (default 10000,100000)")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="comma list of workloads")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else Config()
    backends = tuple(b.strip() for b in args.backends.split(",") if b.strip())
    workloads = tuple(w.strip() for w in args.workloads.split(",") if w.strip())
    unknown = set(backends) - {"sqlite", "postgresql"} | set(workloads) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown backend or workload: {', '.join(sorted(unknown))}")
    if "history" in workloads and "batch" not in workloads:
        workloads = (*workloads, "batch")
    cfg = replace(cfg, backends=backends, workloads=workloads)
    if args.runs:
        cfg = replace(cfg, run_counts=tuple(int(n) for n in args.runs.split(",")))
    return cfg, args


def environment(cfg: Config) -> dict[str, object]:
    import importlib.metadata

    env: dict[str, object] = base_environment()
    env["driftloop"] = importlib.metadata.version("driftloop")
    env["mlflow"] = importlib.metadata.version("mlflow")
    env["psycopg"] = importlib.metadata.version("psycopg")
    if "postgresql" in cfg.backends:
        env["postgresql_server"] = pg_server_version()
    return env


def run(cfg: Config, report: Report) -> None:
    dbs = ScratchDatabases()
    try:
        for backend in cfg.backends:
            if "fluent" in cfg.workloads:
                bench_fluent(report, dbs, backend, cfg)
            if "batch" in cfg.workloads:
                outcomes = bench_batch(report, dbs, backend, cfg)
                if "history" in cfg.workloads:
                    bench_history(report, backend, cfg, outcomes)
                for outcome in outcomes:
                    outcome.side.close()
            if "search" in cfg.workloads:
                bench_search(report, dbs, backend, cfg)
    finally:
        dbs.close()


def main(argv: Sequence[str] | None = None) -> int:
    quiet_mlflow()
    cfg, args = parse_args(argv)
    json_path: Path = args.json
    report = Report(
        title="driftloop vs MLflow tracking store" + (" (--quick sizes)" if args.quick else ""),
        command=" ".join(
            ["python", "benchmarks/tracking.py", *(sys.argv[1:] if argv is None else argv)]
        ),
    )
    report.environment = environment(cfg)
    started = time.perf_counter()
    run(cfg, report)
    report.notes += [
        (
            "Each side writes to its own fresh database; on PostgreSQL both use psycopg 3 "
            "(postgresql+psycopg) on the same server, and ANALYZE runs after bulk population."
        ),
        (
            "search_runs data was populated by bulk SQL INSERTs into each store's own tables "
            "(not through create_run): per run 5 params, 5 metrics (latest value, one point "
            "each), 3 tags, all runs FINISHED in one experiment."
        ),
        (
            f"search filter: {SEARCH_FILTER!r}, order_by={SEARCH_ORDER}; about 1 run in 10 "
            "matches. Latencies: median and nearest-rank p95 of the timed calls, after warm-up; "
            "the sides alternate call by call; the 'reps' checks give each side's sample count."
        ),
        (
            "Each store runs with its own defaults: driftloop's SQLite uses WAL with "
            "synchronous=NORMAL, MLflow's SQLite its rollback journal with synchronous=FULL."
        ),
        (
            "fluent: driftloop batches metrics in the background; its time runs until end_run "
            "has flushed every point. MLflow: default synchronous mode, one store call per point."
        ),
        (
            f"total wall time {time.perf_counter() - started:.0f} s; 1-minute load average at "
            f"the end {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs."
        ),
    ]
    console.print(render(report))
    for note in report.notes:
        console.print(f"note: {escape(note)}", highlight=False)
    for check in report.checks:
        console.print(f"check: {escape(check)}", highlight=False)
    console.print(f"environment: {report.environment}", highlight=False)
    write_json(report, json_path)
    json_path.with_suffix(".md").write_text(render_markdown(report), encoding="utf-8")
    console.print(
        f"JSON written to {json_path} (Markdown table: {json_path.with_suffix('.md')}):",
        highlight=False,
    )
    console.print_json(data=report.to_json())
    failed = [f for f in report.figures if f.passed is False]
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
