"""``driftloop monitor``: drift and live performance of a deployment, from its inference log."""

from __future__ import annotations

import math
import re
import time

import click
from rich.table import Table

from driftloop.cli import render
from driftloop.cli.serve import default_inference_log_uri
from driftloop.cli.state import CliState, pass_state
from driftloop.errors import InvalidParameterError
from driftloop.monitoring.monitor_run import MonitorResult, monitor_deployment
from driftloop.tracking.uri import get_stores

_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@click.group("monitor")
def monitor() -> None:
    """Measure drift and live performance of deployments against their reference profile."""


@monitor.command("run")
@click.argument("deployment")
@click.option("--window", type=click.IntRange(1), help="The newest N rows of the log.")
@click.option("--since", metavar="DURATION", help="Rows of the last DURATION: 30m, 1h, 7d.")
@click.option(
    "--inference-log",
    metavar="URI",
    help="The inference log's root (default: <artifact root>/inference-log of a local store).",
)
@click.option("--no-store", is_flag=True, help="Print only; do not record the run.")
@pass_state
def run(
    state: CliState,
    deployment: str,
    window: int | None,
    since: str | None,
    inference_log: str | None,
    no_store: bool,
) -> None:
    """Compare DEPLOYMENT's recent traffic with its champion's reference profile.

    Reads the window from the inference log, computes data and prediction drift (and live
    metrics where feedback labels exist), prints a table and records the run (series per
    column and metric) for the UI and the CT controller.
    """
    if (window is None) == (since is None):
        raise InvalidParameterError("give --window N or --since DURATION", field="window")
    since_ms = None
    if since is not None:
        match = _DURATION.match(since.strip())
        if match is None:
            raise InvalidParameterError(
                f"--since takes a duration like 30m, 1h or 7d, got {since!r}", field="since"
            )
        seconds = int(match.group(1)) * _SECONDS[match.group(2)]
        since_ms = int(time.time() * 1000) - seconds * 1000
    tracking_uri = state.resolved_tracking_uri()
    root = inference_log or default_inference_log_uri(tracking_uri)
    store = None if no_store else getattr(get_stores(tracking_uri), "monitoring", None)
    if store is None and not no_store:
        raise InvalidParameterError(
            "monitoring runs are stored in a SQL tracking store (a folder, sqlite:// or "
            "postgresql://); against a server, use --no-store for now",
            field="tracking_uri",
        )
    result = monitor_deployment(
        state.client, deployment, root, last_rows=window, since_ms=since_ms, store=store
    )
    _print(result)


def _print(result: MonitorResult) -> None:
    out = render.console()
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
    out.print(table)
    weighted = " by importance" if drift.weighted else ""
    out.print(
        f"verdict: [bold]{drift.verdict.value}[/] "
        f"({drift.drifted_share:.0%} of columns drifted{weighted}, "
        f"threshold {drift.dataset_share:.0%})"
    )
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
    if result.stored is not None:
        out.print(f"recorded monitoring run {result.stored.run_id}")


def _number(value: float) -> float:
    return -1.0 if math.isnan(value) else value  # NaN sorts last
