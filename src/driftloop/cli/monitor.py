"""``driftloop monitor``: drift and live performance of a deployment, from its inference log."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import click
from rich.table import Table

from driftloop.cli import render
from driftloop.cli.serve import default_inference_log_uri
from driftloop.cli.state import CliState, pass_state
from driftloop.errors import DriftloopError, InvalidParameterError
from driftloop.monitoring._report_inputs import read_reference, read_table, split_predictions
from driftloop.monitoring.drift import compute_drift
from driftloop.monitoring.monitor_run import MonitorResult, monitor_deployment
from driftloop.monitoring.report import DriftReport
from driftloop.store.base import MonitorStore
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
    tracking_uri = state.resolved_tracking_uri()
    root = inference_log or default_inference_log_uri(tracking_uri)
    store = _monitor_store(tracking_uri, no_store)
    since_ms = None if since is None else _now_ms() - _duration_ms(since, "since")
    result = monitor_deployment(
        state.client, deployment, root, last_rows=window, since_ms=since_ms, store=store
    )
    _print(result)


@monitor.command("watch")
@click.argument("deployment")
@click.option("--window", type=click.IntRange(1), help="The newest N rows of the log.")
@click.option("--since", metavar="DURATION", help="Rows of the last DURATION: 30m, 1h, 7d.")
@click.option(
    "--every",
    metavar="DURATION",
    default="5m",
    show_default=True,
    help="Time between runs: 30s, 5m, 1h.",
)
@click.option("--times", type=click.IntRange(1), help="Stop after this many runs.")
@click.option(
    "--inference-log",
    metavar="URI",
    help="The inference log's root (default: <artifact root>/inference-log of a local store).",
)
@pass_state
def watch(
    state: CliState,
    deployment: str,
    window: int | None,
    since: str | None,
    every: str,
    times: int | None,
    inference_log: str | None,
) -> None:
    """Run ``monitor run`` for DEPLOYMENT every --every, recording each run; one line each.

    A failing run (e.g. the log is briefly unreachable) is reported and the next one goes
    ahead; Ctrl-C stops.
    """
    if (window is None) == (since is None):
        raise InvalidParameterError("give --window N or --since DURATION", field="window")
    interval = _duration_ms(every, "every") / 1000
    since_span = None if since is None else _duration_ms(since, "since")
    tracking_uri = state.resolved_tracking_uri()
    root = inference_log or default_inference_log_uri(tracking_uri)
    store = _monitor_store(tracking_uri, no_store=False)
    out = render.console()
    done = 0
    try:
        while times is None or done < times:
            started = time.monotonic()
            since_ms = None if since_span is None else _now_ms() - since_span
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            try:
                result = monitor_deployment(
                    state.client, deployment, root, last_rows=window, since_ms=since_ms, store=store
                )
            except DriftloopError as error:
                out.print(f"{stamp}  [red]failed:[/] {error.message}", markup=True)
            else:
                drifted = ", ".join(result.drift.drifted_columns) or "-"
                out.print(
                    f"{stamp}  v{result.model_version}  {result.rows} rows  "
                    f"{result.drift.verdict.value}  drifted: {drifted}",
                    markup=False,
                )
            done += 1
            if times is not None and done >= times:
                break
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    except KeyboardInterrupt:
        out.print("stopped")


def _duration_ms(text: str, field: str) -> int:
    match = _DURATION.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise InvalidParameterError(
            f"--{field} takes a duration like 30s, 5m, 1h or 7d, got {text!r}", field=field
        )
    return int(match.group(1)) * _SECONDS[match.group(2)] * 1000


def _now_ms() -> int:
    return int(time.time() * 1000)


def _monitor_store(tracking_uri: str, no_store: bool) -> MonitorStore | None:
    if no_store:
        return None
    store: MonitorStore | None = getattr(get_stores(tracking_uri), "monitoring", None)
    if store is None:
        raise InvalidParameterError(
            "monitoring runs are stored in a SQL tracking store (a folder, sqlite:// or "
            "postgresql://); against a server, use --no-store for now",
            field="tracking_uri",
        )
    return store


@monitor.command("report")
@click.option(
    "--reference",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The reference: a .parquet/.csv dataset or a profile.json.",
)
@click.option(
    "--current",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The current data: a .parquet/.csv dataset.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML report (default: drift-report.html unless only --json is given).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also (or only) write the JSON report here.",
)
@click.option(
    "--prediction-column",
    metavar="NAME",
    help="A column of both datasets holding the model's predictions (prediction drift).",
)
@click.option("--title", default="Drift report", show_default=True, help="The report's title.")
def report(
    reference: Path,
    current: Path,
    output: Path | None,
    json_path: Path | None,
    prediction_column: str | None,
    title: str,
) -> None:
    """Compare any two datasets and write a drift report (offline HTML and/or JSON).

    The reference is profiled on the fly unless it is a profile.json (from a logged model).
    """
    if output is None and json_path is None:
        output = Path("drift-report.html")
    if output is not None and output.suffix.lower() not in {".html", ".htm"}:
        raise InvalidParameterError(
            f"--output must end in .html, got {output.name!r}", field="output"
        )
    if json_path is not None and json_path.suffix.lower() != ".json":
        raise InvalidParameterError(
            f"--json must end in .json, got {json_path.name!r}", field="json"
        )
    profile = read_reference(reference, prediction_column)
    frame = read_table(current, field="current")
    data, predictions = split_predictions(frame, prediction_column, field="current")
    drift_report = DriftReport(compute_drift(profile, data, predictions=predictions), title=title)
    drift = drift_report.drift
    out = render.console()
    out.print(
        f"verdict: [bold]{drift.verdict.value}[/] "
        f"({len(drift.drifted_columns)} of {len(drift.columns)} columns drifted, "
        f"{drift.drifted_share:.0%}, threshold {drift.dataset_share:.0%})",
        highlight=False,
    )
    if drift.drifted_columns:
        out.print("drifted: " + ", ".join(drift.drifted_columns), markup=False, highlight=False)
    for path in (output, json_path):
        if path is not None:
            drift_report.save(path)
            out.print(f"wrote {path}", markup=False, highlight=False)


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
