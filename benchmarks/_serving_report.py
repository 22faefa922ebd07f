"""Results of the serving benchmark: one row per (server, workers, scenario), tables, JSON."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console(width=None if sys.stdout.isatty() else 170)


@dataclass(frozen=True, slots=True)
class Scenario:
    """One traffic shape: rows per request and closed-loop concurrency."""

    name: str
    rows: int
    concurrency: int


@dataclass(frozen=True, slots=True)
class Row:
    """The figures of one scenario against one server."""

    server: str
    workers: int
    scenario: str
    concurrency: int
    rows_per_request: int
    requests_per_s: float
    rows_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    client_processes: int
    load_1m: float = math.nan
    error_samples: tuple[str, ...] = ()


@dataclass(slots=True)
class Results:
    """Everything one run measured, for the tables and ``--json``."""

    environment: dict[str, Any] = field(default_factory=dict)
    client_capacity: dict[str, float] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    raw_rows: list[Row] = field(default_factory=list)
    hot_swaps: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profiles: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": 1,
            "environment": self.environment,
            "client_capacity_requests_per_s": self.client_capacity,
            "checks": self.checks,
            "rows": [_finite(asdict(row)) for row in self.rows],
            "raw_rows": [_finite(asdict(row)) for row in self.raw_rows],
            "hot_swaps": self.hot_swaps,
            "notes": self.notes,
            "profiles": self.profiles,
        }


def _finite(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in values.items()}


def _fmt(value: float, digits: int = 0) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:,.{digits}f}"


def _ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def ratios(results: Results, row: Row) -> tuple[float, float]:
    """driftloop/MLflow throughput and p99 for a driftloop row (nan when there is no peer)."""
    for peer in results.rows:
        if (
            peer.server == "mlflow"
            and peer.workers == row.workers
            and peer.scenario == row.scenario
            and peer.requests_per_s > 0
        ):
            return row.requests_per_s / peer.requests_per_s, row.p99_ms / peer.p99_ms
    return math.nan, math.nan


def render(results: Results, scenario: Scenario) -> Table:
    """One scenario's rows: every server and worker count, with the driftloop/MLflow ratios."""
    table = Table(
        title=(
            f"{scenario.name}: {scenario.rows} row(s)/request, concurrency {scenario.concurrency}"
        ),
        title_justify="left",
    )
    for name in (
        "server",
        "workers",
        "concurrency",
        "rows/req",
        "requests/s",
        "rows/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "load 1m",
        "dl/mlflow req/s",
        "dl/mlflow p99",
    ):
        table.add_column(name, justify="left" if name == "server" else "right")
    for row in results.rows:
        if row.scenario != scenario.name:
            continue
        speed, p99 = ratios(results, row) if row.server == "driftloop" else (math.nan, math.nan)
        table.add_row(
            row.server,
            str(row.workers),
            str(row.concurrency),
            str(row.rows_per_request),
            _fmt(row.requests_per_s),
            _fmt(row.rows_per_s),
            _ms(row.p50_ms),
            _ms(row.p99_ms),
            f"[red]{row.errors}[/red]" if row.errors else "0",
            _fmt(row.load_1m, 1),
            "-" if math.isnan(speed) else f"{speed:.2f}x",
            "-" if math.isnan(p99) else f"{p99:.2f}x",
        )
    return table


def markdown(results: Results) -> str:
    """All rows as one Markdown table, for docs/benchmarks.md."""
    lines = [
        (
            "| scenario | server | workers | conc. | rows/req | requests/s | rows/s | p50 ms "
            "| p99 ms | errors | load 1m | dl/MLflow req/s | dl/MLflow p99 |"
        ),
        "| --- | --- |" + " ---: |" * 11,
    ]
    for row in sorted(results.rows, key=lambda r: r.workers):  # stable: scenario order kept
        speed, p99 = ratios(results, row) if row.server == "driftloop" else (math.nan, math.nan)
        lines.append(
            f"| {row.scenario} | {row.server} | {row.workers} | {row.concurrency} | "
            f"{row.rows_per_request} | {_fmt(row.requests_per_s)} | {_fmt(row.rows_per_s)} | "
            f"{_ms(row.p50_ms)} | {_ms(row.p99_ms)} | {row.errors} | {_fmt(row.load_1m, 1)} | "
            f"{'-' if math.isnan(speed) else f'{speed:.2f}x'} | "
            f"{'-' if math.isnan(p99) else f'{p99:.2f}x'} |"
        )
    return "\n".join(lines) + "\n"


def write(results: Results, path: Path) -> None:
    """Save the raw results as JSON (and the Markdown table beside it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ignore = path.parent / ".gitignore"
    if path.parent.name == ".out" and not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    path.write_text(json.dumps(results.to_json(), indent=2) + "\n", encoding="utf-8")
    path.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
