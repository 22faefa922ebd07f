"""Running the serving benchmark's scenarios: servers up, load interleaved, rows recorded.

For each worker count every server is started once and kept up; each scenario then runs
against MLflow and driftloop back to back (the order alternating by round), so both sides
see the same background load on a shared machine. ``--rounds N`` repeats the scenario list and
reports the median of each figure.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from _serving_load import LoadResult, LoadSpec, finish_load, run_load, start_load
from _serving_report import Results, Row, Scenario, console
from _serving_servers import ALIAS, MODEL_NAME, ServerSpec, log_driftloop, running_server

SCENARIOS = (
    Scenario("single-row c1", 1, 1),
    Scenario("single-row c8", 1, 8),
    Scenario("single-row c64", 1, 64),
    Scenario("100-row c8", 100, 8),
)


@dataclass(frozen=True, slots=True)
class Config:
    """The run's settings, from the command line."""

    servers: tuple[str, ...]
    workers: tuple[int, ...]
    warmup_s: float
    duration_s: float
    client_processes: int
    inference_log: bool
    hot_swap: bool
    predict_path: str
    driftloop_args: tuple[str, ...]
    target: str
    profile: bool
    json_path: Path
    rounds: int = 1
    omp_threads: int | None = None


def check_predictions(url: str, body: bytes, expected: list[int], server: str) -> str:
    """POST a 100-row body to ``/invocations``; compare with the local model's predictions."""
    answer = httpx.post(
        f"{url}/invocations",
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    if answer.status_code != 200:
        return f"{server}: /invocations answered {answer.status_code}: {answer.text[:300]}"
    predictions = answer.json().get("predictions")
    got = [int(p) for p in predictions] if isinstance(predictions, list) else None
    verdict = "agree" if got == expected else f"DISAGREE (got {str(predictions)[:120]})"
    return f"{server}: {len(expected)} predictions {verdict} with the local model"


def measure(
    url: str, path: str, scenario: Scenario, bodies: tuple[bytes, ...], cfg: Config
) -> LoadResult:
    processes = 1 if scenario.concurrency == 1 else cfg.client_processes
    spec = LoadSpec(
        url + path,
        bodies,
        scenario.concurrency,
        cfg.warmup_s,
        cfg.duration_s,
        processes,
        rows_per_request=scenario.rows,
    )
    return run_load(spec)


def to_row(server: str, workers: int, scenario: Scenario, result: LoadResult, procs: int) -> Row:
    return Row(
        server=server,
        workers=workers,
        scenario=scenario.name,
        concurrency=scenario.concurrency,
        rows_per_request=scenario.rows,
        requests_per_s=result.requests_per_s,
        rows_per_s=result.requests_per_s * scenario.rows,
        p50_ms=result.percentile(50),
        p99_ms=result.percentile(99),
        requests=result.requests,
        errors=result.errors + result.warmup_errors,
        client_processes=procs,
        error_samples=tuple(result.error_samples),
    )


def hot_swap(url: str, data: dict[str, Any], cfg: Config) -> dict[str, Any]:
    """Move ``champion`` to a new version under concurrency-8 load; errors and switch time."""
    duration = max(8.0, cfg.duration_s)
    spec = LoadSpec(
        url + cfg.predict_path,
        data["single"],
        8,
        1.0,
        duration,
        cfg.client_processes,
        record_versions=True,
    )
    folder = data["dl_folder"]
    started, pending = start_load(spec)
    time.sleep(max(0.0, started + 1.0 + 2.0 - time.time()))
    began = time.time()
    version = log_driftloop(data["model_v2"], data["frame"], data["labels"], folder, alias=False)
    registered = time.time()
    import driftloop

    driftloop.Client(str(folder)).set_alias(MODEL_NAME, ALIAS, version)
    moved = time.time()
    result = finish_load(pending)
    # Put champion back on the first version: later runs must serve the model they check.
    driftloop.Client(str(folder)).set_alias(MODEL_NAME, ALIAS, version - 1)
    counts: dict[str, int] = {}
    for _, seen in result.versions:
        counts[seen] = counts.get(seen, 0) + 1
    new = sorted(t for t, seen in result.versions if seen == str(version))
    old_after = [t for t, seen in result.versions if seen != str(version) and t > moved]
    return {
        "errors": result.errors + result.warmup_errors,
        "error_samples": result.error_samples,
        "requests": len(result.versions),
        "responses_by_version": counts,
        "new_version": version,
        "register_seconds": round(registered - began, 3),
        "first_new_answer_after_alias_s": round(new[0] - moved, 3) if new else None,
        "last_old_answer_after_alias_s": round(max(old_after) - moved, 3) if old_after else 0.0,
        "requests_per_s": round(result.requests_per_s, 1),
        "p99_ms": result.percentile(99),
    }


def print_profile(out: Path, scenario: Scenario, results: Results) -> None:
    """Print (and keep in the notes) the busiest functions of the last profiled window."""
    windows = sorted(out.parent.glob(f"{out.stem}-*.json"), key=lambda p: p.stat().st_mtime)
    if not windows:
        console.print("  (no profile written)")
        return
    summary = json.loads(windows[-1].read_text(encoding="utf-8"))
    lines = [f"profile of {scenario.name} ({summary['seconds']} s sampled):"]
    for thread, figures in summary["threads"].items():
        busy = [(name, share) for name, share in figures["self"] if not name.startswith("[idle]")]
        busy_share = sum(share for _, share in busy)
        lines.append(f"  thread {thread}: {figures['samples']} samples, top self (% of samples):")
        lines.extend(f"    {share:5.1f}  {name}" for name, share in busy[:12])
        lines.append(f"    ({busy_share:.1f}% in the top non-idle leaves)")
    results.profiles.append({"scenario": scenario.name, **summary})
    console.print("\n".join(lines), highlight=False, markup=False)


def server_spec(
    kind: str, workers: int, data: dict[str, Any], scratch: Path, cfg: Config
) -> ServerSpec:
    """How to start ``kind`` with ``workers`` workers on the prepared models."""
    if kind == "mlflow":
        return ServerSpec(
            "mlflow",
            workers,
            data["mlflow_uri"],
            data["mlflow_tracking"],
            omp_threads=cfg.omp_threads,
        )
    log = str(scratch / f"inference-w{workers}") if cfg.inference_log else None
    return ServerSpec(
        "driftloop",
        workers,
        cfg.target,
        str(data["dl_folder"]),
        inference_log=log,
        extra_args=cfg.driftloop_args,
        profile_out=scratch / "profile.json" if cfg.profile else None,
        omp_threads=cfg.omp_threads,
    )


def run_workers(
    workers: int, data: dict[str, Any], scratch: Path, cfg: Config, results: Results
) -> None:
    """Start every server with ``workers`` workers; run the scenarios interleaved; hot-swap."""
    with contextlib.ExitStack() as stack:
        up: dict[str, tuple[ServerSpec, str, int]] = {}
        for kind in cfg.servers:
            spec = server_spec(kind, workers, data, scratch, cfg)
            console.print(f"[bold]{kind}[/bold], {workers} worker(s): starting", highlight=False)
            url, pid = stack.enter_context(running_server(spec, scratch))
            up[kind] = (spec, url, pid)
            check = check_predictions(url, data["batch"][0], data["expected"], kind)
            results.checks.append(f"{workers} worker(s): {check}")
            console.print(f"  {check}", highlight=False)
        raw: list[Row] = []
        for round_ in range(cfg.rounds):
            for scenario in SCENARIOS:
                order = list(cfg.servers) if round_ % 2 == 0 else list(reversed(cfg.servers))
                for kind in order:
                    spec, url, pid = up[kind]
                    raw.append(run_scenario(spec, url, pid, scenario, data, cfg, results))
        results.raw_rows.extend(raw)
        results.rows.extend(aggregate(raw) if cfg.rounds > 1 else raw)
        if "driftloop" in up and cfg.hot_swap:
            swap = {"workers": workers, **hot_swap(up["driftloop"][1], data, cfg)}
            results.hot_swaps.append(swap)
            console.print(f"  hot swap: {swap}", highlight=False)


def run_scenario(
    spec: ServerSpec,
    url: str,
    pid: int,
    scenario: Scenario,
    data: dict[str, Any],
    cfg: Config,
    results: Results,
) -> Row:
    """One scenario against one server: load, record, print."""
    bodies = data["single"] if scenario.rows == 1 else data["batch"]
    if spec.profile_out is not None:
        os.kill(pid, signal.SIGUSR1)
    load_1m = os.getloadavg()[0]
    result = measure(url, "/invocations", scenario, bodies, cfg)
    if spec.profile_out is not None:
        os.kill(pid, signal.SIGUSR2)
        time.sleep(1.0)
        print_profile(spec.profile_out, scenario, results)
    procs = 1 if scenario.concurrency == 1 else cfg.client_processes
    row = replace(to_row(spec.kind, spec.workers, scenario, result, procs), load_1m=load_1m)
    console.print(
        f"  {spec.kind} {scenario.name}: {row.requests_per_s:,.0f} req/s, "
        f"{row.rows_per_s:,.0f} rows/s, p50 {row.p50_ms:.1f} ms, p99 {row.p99_ms:.1f} ms, "
        f"errors {row.errors}, load {load_1m:.1f}"
        + (f" {row.error_samples[:1]}" if row.errors else ""),
        highlight=False,
    )
    return row


def aggregate(raw: list[Row]) -> list[Row]:
    """One row per (server, workers, scenario): the median of each figure over the rounds."""
    groups: dict[tuple[str, int, str], list[Row]] = {}
    for row in raw:
        groups.setdefault((row.server, row.workers, row.scenario), []).append(row)
    return [
        replace(
            rows[0],
            requests_per_s=statistics.median(r.requests_per_s for r in rows),
            rows_per_s=statistics.median(r.rows_per_s for r in rows),
            p50_ms=statistics.median(r.p50_ms for r in rows),
            p99_ms=statistics.median(r.p99_ms for r in rows),
            requests=sum(r.requests for r in rows),
            errors=sum(r.errors for r in rows),
            load_1m=statistics.median(r.load_1m for r in rows),
            error_samples=tuple(e for r in rows for e in r.error_samples)[:5],
        )
        for rows in groups.values()
    ]
