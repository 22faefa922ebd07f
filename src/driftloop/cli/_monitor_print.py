"""How ``driftloop monitor`` prints a monitoring result: the column table and what follows."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table

from driftloop.cli import render
from driftloop.monitoring.drift import DatasetDrift
from driftloop.monitoring.monitor_run import MonitorResult

MAX_CHANGES_SHOWN = 10
"""Change points listed one per line; more are counted."""


def print_result(result: MonitorResult) -> None:
    """The column table, the verdict, live performance, change points, the stored run."""
    out = render.console()
    out.print(_column_table(result))
    print_verdict(out, result.drift)
    if result.performance is not None:
        perf = result.performance
        parts = [
            f"{name} {value:.4g}"
            + (f" (training {perf.reference[name]:.4g})" if name in perf.reference else "")
            for name, value in sorted(perf.current.items())
        ]
        out.print(f"live performance on {result.labelled_rows} labelled rows: " + ", ".join(parts))
        if perf.degraded:
            out.print(f"[bold red]degraded:[/] {', '.join(perf.degraded)}")
    print_changes(out, result)
    if result.stored is not None:
        out.print(f"recorded monitoring run {result.stored.run_id}")


def print_verdict(out: Console, drift: DatasetDrift) -> None:
    """``verdict: drift (40% of columns drifted, threshold 30%)``."""
    weighted = " by importance" if drift.weighted else ""
    out.print(
        f"verdict: [bold]{drift.verdict.value}[/] "
        f"({drift.drifted_share:.0%} of columns drifted{weighted}, "
        f"threshold {drift.dataset_share:.0%})"
    )


def print_changes(out: Console, result: MonitorResult) -> None:
    """Where the detector found the error stream changed, or why it did not look."""
    if result.detection_note is not None:
        out.print(result.detection_note, markup=False, highlight=False)
        return
    if result.detector is None:
        return
    count = len(result.changes)
    head = f"error stream ({result.detector} over {result.labelled_rows} labelled rows): "
    if count == 0:
        out.print(head + "no change point", markup=False, highlight=False)
        return
    out.print(
        head + f"[bold red]{count} change point{'s' if count > 1 else ''}[/]", highlight=False
    )
    for change in result.changes[-MAX_CHANGES_SHOWN:]:
        when = "" if change.timestamp is None else f" at {_utc(change.timestamp)}"
        out.print(f"  change at labelled row {change.index}{when}", markup=False, highlight=False)
    if count > MAX_CHANGES_SHOWN:
        out.print(f"  (the {MAX_CHANGES_SHOWN} latest shown)", markup=False, highlight=False)


def _column_table(result: MonitorResult) -> Table:
    drift = result.drift
    table = Table(
        title=f"{result.deployment}: champion v{result.model_version}, {result.rows} rows"
    )
    for name in ("column", "kind", "method", "score", "p-value", "threshold", "drift", "missing"):
        table.add_column(
            name, justify="right" if name in {"score", "p-value", "threshold"} else "left"
        )
    columns = sorted(drift.columns, key=lambda c: (not c.drifted, -_number(c.score)))
    if drift.prediction is not None:
        columns.append(drift.prediction)
    for column in columns:
        table.add_row(
            "prediction" if column is drift.prediction else column.column,
            column.kind,
            column.method.value,
            f"{column.score:.4g}",
            "" if column.p_value is None else f"{column.p_value:.3g}",
            f"{column.threshold:g}",
            "[bold red]DRIFT[/]" if column.drifted else ("n/a" if not column.computable else "ok"),
            f"{column.current_missing_rate:.1%}" + (" [red]↑[/]" if column.missing_drifted else ""),
        )
    return table


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _number(value: float) -> float:
    return -1.0 if math.isnan(value) else value  # NaN sorts last
