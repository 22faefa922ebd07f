"""``driftloop monitor``: drift and live performance of a deployment, from its inference log."""

from __future__ import annotations

import time

import click

from driftloop.cli import render
from driftloop.cli._monitor_common import (
    detector_option,
    duration_ms,
    monitor_store,
    now_ms,
)
from driftloop.cli._monitor_print import print_result
from driftloop.cli._monitor_report import report
from driftloop.cli.serve import default_inference_log_uri
from driftloop.cli.state import CliState, pass_state
from driftloop.errors import DriftloopError, InvalidParameterError
from driftloop.monitoring.monitor_run import monitor_deployment


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
@detector_option()
@pass_state
def run(
    state: CliState,
    deployment: str,
    window: int | None,
    since: str | None,
    inference_log: str | None,
    no_store: bool,
    detector: str,
) -> None:
    """Compare DEPLOYMENT's recent traffic with its champion's reference profile.

    Reads the window from the inference log, computes data and prediction drift (and, where
    feedback labels exist, live metrics and change points of the error stream: concept
    drift), prints a table and records the run (series per column and metric) for the UI and
    the CT controller.
    """
    if (window is None) == (since is None):
        raise InvalidParameterError("give --window N or --since DURATION", field="window")
    tracking_uri = state.resolved_tracking_uri()
    root = inference_log or default_inference_log_uri(tracking_uri)
    store = None if no_store else monitor_store(tracking_uri)
    since_ms = None if since is None else now_ms() - duration_ms(since, "since")
    result = monitor_deployment(
        state.client,
        deployment,
        root,
        last_rows=window,
        since_ms=since_ms,
        store=store,
        detector=detector,
    )
    print_result(result)


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
@detector_option()
@pass_state
def watch(
    state: CliState,
    deployment: str,
    window: int | None,
    since: str | None,
    every: str,
    times: int | None,
    inference_log: str | None,
    detector: str,
) -> None:
    """Run ``monitor run`` for DEPLOYMENT every --every, recording each run; one line each.

    A failing run (e.g. the log is briefly unreachable) is reported and the next one goes
    ahead; Ctrl-C stops.
    """
    if (window is None) == (since is None):
        raise InvalidParameterError("give --window N or --since DURATION", field="window")
    interval = duration_ms(every, "every") / 1000
    since_span = None if since is None else duration_ms(since, "since")
    tracking_uri = state.resolved_tracking_uri()
    root = inference_log or default_inference_log_uri(tracking_uri)
    store = monitor_store(tracking_uri)
    out = render.console()
    done = 0
    try:
        while times is None or done < times:
            started = time.monotonic()
            since_ms = None if since_span is None else now_ms() - since_span
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            try:
                result = monitor_deployment(
                    state.client,
                    deployment,
                    root,
                    last_rows=window,
                    since_ms=since_ms,
                    store=store,
                    detector=detector,
                )
            except DriftloopError as error:
                out.print(f"{stamp}  [red]failed:[/] {error.message}", markup=True)
            else:
                drifted = ", ".join(result.drift.drifted_columns) or "-"
                changes = (
                    "" if result.detector is None else f"  change points: {len(result.changes)}"
                )
                out.print(
                    f"{stamp}  v{result.model_version}  {result.rows} rows  "
                    f"{result.drift.verdict.value}  drifted: {drifted}{changes}",
                    markup=False,
                )
            done += 1
            if times is not None and done >= times:
                break
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    except KeyboardInterrupt:
        out.print("stopped")


monitor.add_command(report)
