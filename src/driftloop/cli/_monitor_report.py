"""``driftloop monitor report``: a drift report of two datasets, or of a deployment."""

from __future__ import annotations

from pathlib import Path

import click

from driftloop.cli import render
from driftloop.cli._monitor_common import (
    detector_option,
    duration_ms,
    monitor_store,
    now_ms,
)
from driftloop.cli._monitor_print import print_changes
from driftloop.cli.serve import default_inference_log_uri
from driftloop.cli.state import CliState, pass_state
from driftloop.errors import InvalidParameterError
from driftloop.monitoring._report_inputs import read_reference, read_table, split_predictions
from driftloop.monitoring.drift import DatasetDrift, compute_drift
from driftloop.monitoring.monitor_run import deployment_report, monitor_deployment
from driftloop.monitoring.report import DriftReport

DEFAULT_HISTORY = "7d"


@click.command("report")
@click.option(
    "--deployment",
    metavar="NAME",
    help="Report on this deployment's window (with --window or --since) and its history.",
)
@click.option("--window", type=click.IntRange(1), help="With --deployment: the newest N rows.")
@click.option("--since", metavar="DURATION", help="With --deployment: rows of the last 1h, 7d...")
@click.option(
    "--history",
    metavar="DURATION",
    help=f"With --deployment: series of the runs recorded over this span [default: "
    f"{DEFAULT_HISTORY}].",
)
@click.option("--record", is_flag=True, help="With --deployment: also record this run.")
@detector_option(default=None)
@click.option(
    "--inference-log",
    metavar="URI",
    help="With --deployment: the inference log's root (default: <artifact root>/inference-log).",
)
@click.option(
    "--reference",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Two-dataset mode: a .parquet/.csv dataset or a profile.json.",
)
@click.option(
    "--current",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Two-dataset mode: the current .parquet/.csv dataset.",
)
@click.option(
    "--prediction-column",
    metavar="NAME",
    help="Two-dataset mode: a column of both datasets holding the model's predictions.",
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
@click.option("--title", help="The report's title.")
@pass_state
def report(
    state: CliState,
    deployment: str | None,
    window: int | None,
    since: str | None,
    history: str | None,
    record: bool,
    detector: str | None,
    inference_log: str | None,
    reference: Path | None,
    current: Path | None,
    prediction_column: str | None,
    output: Path | None,
    json_path: Path | None,
    title: str | None,
) -> None:
    """Write a drift report (offline HTML and/or JSON) of two datasets or of a deployment.

    Two datasets: --reference (profiled on the fly unless it is a profile.json) and
    --current. A deployment: --deployment NAME with --window N or --since DURATION; the
    window is monitored as by ``monitor run`` (recorded only with --record) and the report
    adds the series of the runs recorded over --history.
    """
    output = _check_outputs(output, json_path)
    if deployment is None:
        _refuse(
            "needs --deployment NAME",
            window=window,
            since=since,
            history=history,
            record=record or None,
            inference_log=inference_log,
            detector=detector,
        )
        drift_report = _datasets_report(reference, current, prediction_column, title)
    else:
        _refuse(
            "cannot be used with --deployment (the deployment's window is the current data)",
            reference=reference,
            current=current,
            prediction_column=prediction_column,
        )
        if (window is None) == (since is None):
            raise InvalidParameterError(
                "--deployment needs --window N or --since DURATION (one of them)", field="window"
            )
        drift_report = _deployment_report(
            state,
            deployment,
            last_rows=window,
            since=since,
            history=history or DEFAULT_HISTORY,
            record=record,
            detector=detector or "adwin",
            inference_log=inference_log,
            title=title,
        )
    out = render.console()
    for path in (output, json_path):
        if path is not None:
            drift_report.save(path)
            out.print(f"wrote {path}", markup=False, highlight=False)


def _datasets_report(
    reference: Path | None, current: Path | None, prediction_column: str | None, title: str | None
) -> DriftReport:
    if reference is None or current is None:
        missing = "--reference" if reference is None else "--current"
        raise InvalidParameterError(
            f"{missing} is missing: give --reference and --current (two datasets), "
            "or --deployment NAME",
            field=missing.lstrip("-"),
        )
    profile = read_reference(reference, prediction_column)
    frame = read_table(current, field="current")
    data, predictions = split_predictions(frame, prediction_column, field="current")
    drift = compute_drift(profile, data, predictions=predictions)
    _print_drift(drift)
    return DriftReport(drift, title=title or "Drift report")


def _deployment_report(
    state: CliState,
    deployment: str,
    *,
    last_rows: int | None,
    since: str | None,
    history: str,
    record: bool,
    detector: str,
    inference_log: str | None,
    title: str | None,
) -> DriftReport:
    history_ms = duration_ms(history, "history")
    since_ms = None if since is None else now_ms() - duration_ms(since, "since")
    tracking_uri = state.resolved_tracking_uri()
    store = monitor_store(tracking_uri)
    result = monitor_deployment(
        state.client,
        deployment,
        inference_log or default_inference_log_uri(tracking_uri),
        last_rows=last_rows,
        since_ms=since_ms,
        store=store if record else None,
        detector=detector,
    )
    drift_report = deployment_report(result, store, since_ms=now_ms() - history_ms, title=title)
    out = render.console()
    _print_drift(result.drift)
    if result.performance is not None:
        parts = [
            f"{name} {value:.4g}" for name, value in sorted(result.performance.current.items())
        ]
        out.print(
            f"live performance on {result.labelled_rows} labelled rows: " + ", ".join(parts),
            markup=False,
            highlight=False,
        )
    print_changes(out, result)
    if result.stored is not None:
        out.print(f"recorded monitoring run {result.stored.run_id}", markup=False)
    runs = max((len(points) for points in drift_report.series.values()), default=0)
    out.print(
        f"{len(drift_report.series)} series over the last {history} "
        f"({runs} recorded run{'' if runs == 1 else 's'})",
        markup=False,
        highlight=False,
    )
    return drift_report


def _refuse(reason: str, **given: object) -> None:
    for name, value in given.items():
        if value is not None:
            option = "--" + name.replace("_", "-")
            raise InvalidParameterError(f"{option} {reason}", field=name)


def _check_outputs(output: Path | None, json_path: Path | None) -> Path | None:
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
    return output


def _print_drift(drift: DatasetDrift) -> None:
    out = render.console()
    out.print(
        f"verdict: [bold]{drift.verdict.value}[/] "
        f"({len(drift.drifted_columns)} of {len(drift.columns)} columns drifted, "
        f"{drift.drifted_share:.0%}, threshold {drift.dataset_share:.0%})",
        highlight=False,
    )
    if drift.drifted_columns:
        out.print("drifted: " + ", ".join(drift.drifted_columns), markup=False, highlight=False)
