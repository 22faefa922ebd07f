"""Helpers shared by the benchmark scripts: timing, scratch databases, result tables, JSON.

Nothing here knows about driftloop or MLflow; the scripts pass in callables and rows.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import create_engine, text

PG_SERVER_URI = os.environ.get("DRIFTLOOP_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
"""Server on which the PostgreSQL scratch databases are created (override with the env var)."""

# Wide enough for the results table when stdout is a file or a pipe (rich defaults to 80).
console = Console(width=None if sys.stdout.isatty() else 170)
progress_console = Console(stderr=True)


@dataclass(frozen=True, slots=True)
class Latency:
    """Latency samples of one operation, in milliseconds."""

    samples_ms: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        # Nearest-rank percentile: the smallest sample with >= 95% of samples at or below it.
        rank = max(1, math.ceil(0.95 * len(ordered)))
        return ordered[rank - 1]


def time_once(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes (wall clock, ``perf_counter``)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure_latency(fn: Callable[[], object], reps: int, warmup: int = 2) -> Latency:
    """Call ``fn`` ``warmup`` times untimed, then ``reps`` times timed."""
    for _ in range(warmup):
        fn()
    return Latency(tuple(time_once(fn) * 1000 for _ in range(reps)))


@dataclass(slots=True)
class Figure:
    """One line of the results table: the same figure for driftloop and for MLflow.

    Attributes:
        workload: What was measured, e.g. ``"log_batch (1000 metrics/call)"``.
        backend: ``sqlite`` or ``postgresql``.
        size: The workload size, e.g. ``"100k runs"``.
        stat: ``points/s``, ``median ms`` or ``p95 ms``.
        driftloop: driftloop's value.
        mlflow: MLflow's value (None when not measured).
        higher_is_better: True for throughputs, False for latencies.
        target: The target in words, or "" when the figure has none.
        passed: Whether driftloop met the target (None when there is none).
    """

    workload: str
    backend: str
    size: str
    stat: str
    driftloop: float
    mlflow: float | None
    higher_is_better: bool
    target: str = ""
    passed: bool | None = None

    @property
    def ratio(self) -> float | None:
        """driftloop / MLflow."""
        if self.mlflow is None or self.mlflow == 0:
            return None
        return self.driftloop / self.mlflow

    @property
    def advantage(self) -> float | None:
        """How many times better driftloop is (>1) or worse (<1), whatever the direction."""
        ratio = self.ratio
        if ratio is None or ratio == 0:
            return None
        return ratio if self.higher_is_better else 1 / ratio


@dataclass(slots=True)
class Report:
    """Every figure of one benchmark run plus the notes and environment to print with them."""

    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)
    command: str = ""

    def add(self, figure: Figure) -> Figure:
        """Record a figure and print it at once, so a long run shows figures as they come."""
        self.figures.append(figure)
        advantage = (
            ""
            if figure.advantage is None
            else f" (driftloop {fmt_times(figure.advantage)}x better)"
        )
        console.print(
            f"  = {figure.workload} | {figure.backend} | {figure.size} | {figure.stat}: "
            f"driftloop {fmt_value(figure.driftloop, figure.stat)}, "
            f"MLflow {fmt_value(figure.mlflow, figure.stat)}{advantage}",
            highlight=False,
        )
        return figure

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": 1,
            "title": self.title,
            "command": self.command,
            "environment": self.environment,
            "figures": [
                {**asdict(f), "ratio": _round(f.ratio), "advantage": _round(f.advantage)}
                for f in self.figures
            ],
            "notes": self.notes,
            "checks": self.checks,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def fmt_times(value: float | None) -> str:
    """Format a ratio or an advantage: ``0.0421``, ``7.16``, ``48.2``, ``6,010``."""
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def fmt_value(value: float | None, stat: str) -> str:
    """Format a throughput with thousands separators and a latency with 3 significant digits."""
    if value is None:
        return "-"
    if stat.endswith("/s"):
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render(report: Report) -> Table:
    """The results as a rich table, one row per figure."""
    table = Table(title=report.title, title_justify="left", show_lines=False)
    for name, justify in [
        ("workload", "left"),
        ("backend", "left"),
        ("size", "left"),
        ("stat", "left"),
        ("driftloop", "right"),
        ("MLflow", "right"),
        ("dl/MLflow", "right"),
        ("dl better by", "right"),
        ("target", "left"),
    ]:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for f in report.figures:
        ratio = fmt_times(f.ratio)
        advantage = "-" if f.advantage is None else f"{fmt_times(f.advantage)}x"
        verdict = ""
        if f.passed is not None:
            verdict = ("[green]PASS[/green] " if f.passed else "[red]FAIL[/red] ") + f.target
        table.add_row(
            f.workload,
            f.backend,
            f.size,
            f.stat,
            fmt_value(f.driftloop, f.stat),
            fmt_value(f.mlflow, f.stat),
            ratio,
            advantage,
            verdict,
        )
    return table


def render_markdown(report: Report) -> str:
    """The results as a Markdown table, for pasting into docs/benchmarks.md."""
    lines = [
        "| workload | backend | size | stat | driftloop | MLflow | driftloop better by | target |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for f in report.figures:
        advantage = "-" if f.advantage is None else f"{fmt_times(f.advantage)}x"
        verdict = "" if f.passed is None else ("PASS " if f.passed else "FAIL ") + f.target
        lines.append(
            f"| {f.workload} | {f.backend} | {f.size} | {f.stat} | "
            f"{fmt_value(f.driftloop, f.stat)} | {fmt_value(f.mlflow, f.stat)} | "
            f"{advantage} | {verdict} |"
        )
    return "\n".join(lines) + "\n"


def write_json(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ignore = path.parent / ".gitignore"
    if path.parent.name == ".out" and not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")  # results are machine-specific
    path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")


def progress() -> Progress:
    """A transient progress bar on stderr for long population steps."""
    return Progress(
        TextColumn("  {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=progress_console,
        transient=True,
    )


class ScratchDatabases:
    """Fresh, uniquely named databases for one benchmark run; all removed by :meth:`close`.

    SQLite databases are files in a temporary directory; PostgreSQL databases are created and
    dropped on :data:`PG_SERVER_URI` through an AUTOCOMMIT connection.
    """

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="driftloop-bench-")
        self.root = Path(self._tmp.name)
        self._pg_names: list[str] = []
        self._tag = uuid.uuid4().hex[:8]

    def new(self, backend: str, label: str) -> str:
        """Return the SQLAlchemy URI of a new empty database (psycopg 3 for PostgreSQL)."""
        name = f"bench_{label}_{self._tag}_{len(self._pg_names) + len(list(self.root.iterdir()))}"
        if backend == "sqlite":
            return f"sqlite:///{self.root / name}.db"
        if backend == "postgresql":
            with _pg_admin() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            self._pg_names.append(name)
            return f"{PG_SERVER_URI}/{name}"
        raise ValueError(f"unknown backend {backend!r}")

    def artifact_root(self, label: str) -> str:
        path = self.root / f"artifacts-{label}"
        path.mkdir(exist_ok=True)
        return path.as_uri()

    def close(self) -> None:
        if self._pg_names:
            with _pg_admin() as conn:
                for name in self._pg_names:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self._pg_names.clear()
        self._tmp.cleanup()


@contextlib.contextmanager
def _pg_admin() -> Iterator[Any]:
    engine = create_engine(f"{PG_SERVER_URI}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def pg_server_version() -> str | None:
    """The PostgreSQL server version, or None when the server is unreachable."""
    try:
        with _pg_admin() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar())
    except Exception:  # noqa: BLE001 - any failure just means "not available"
        return None


def base_environment() -> dict[str, Any]:
    """Machine and interpreter facts to print with the figures."""
    import sqlite3

    import sqlalchemy

    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
    }
