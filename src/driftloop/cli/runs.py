"""``driftloop runs``: list, search, show, delete and restore runs."""

from __future__ import annotations

from collections.abc import Sequence

import click

from driftloop.cli import render
from driftloop.cli.experiments import VIEWS
from driftloop.cli.state import CliState, pass_state
from driftloop.entities import Run

_experiment_option = click.option(
    "--experiment",
    "-e",
    "experiment_refs",
    multiple=True,
    required=True,
    metavar="NAME|ID",
    help="Experiment name or id (repeat for several).",
)
_max_results_option = click.option(
    "--max-results", type=click.IntRange(1, 50_000), default=100, show_default=True
)
_view_option = click.option(
    "--view", type=click.Choice(sorted(VIEWS)), default="active", show_default=True
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group()
def runs() -> None:
    """Inspect and manage runs (executions of training code)."""


@runs.command("list")
@_experiment_option
@_max_results_option
@_view_option
@_json_option
@pass_state
def list_runs(
    state: CliState, experiment_refs: tuple[str, ...], max_results: int, view: str, as_json: bool
) -> None:
    """List the runs of experiments, newest first."""
    _search(state, experiment_refs, "", (), max_results, view, as_json)


@runs.command("search")
@_experiment_option
@click.option(
    "--filter",
    "filter_string",
    default="",
    metavar="FILTER",
    help="MLflow filter, e.g. \"metrics.accuracy > 0.9 and params.loss = 'hinge'\".",
)
@click.option(
    "--order-by",
    multiple=True,
    metavar="KEY",
    help='Sort key, e.g. "metrics.accuracy DESC" (repeat for several).',
)
@_max_results_option
@_view_option
@_json_option
@pass_state
def search_runs(
    state: CliState,
    experiment_refs: tuple[str, ...],
    filter_string: str,
    order_by: tuple[str, ...],
    max_results: int,
    view: str,
    as_json: bool,
) -> None:
    """Search runs with a filter and an order."""
    _search(state, experiment_refs, filter_string, order_by, max_results, view, as_json)


@runs.command("show")
@click.argument("run_id")
@_json_option
@pass_state
def show_run(state: CliState, run_id: str, as_json: bool) -> None:
    """Show a run: info, params, latest metrics, tags and dataset inputs."""
    run = state.client.get_run(run_id)
    if as_json:
        render.echo_json(render.run_to_dict(run))
        return
    info = run.info
    out = render.console()
    out.print(
        render.key_value_table(
            "Run",
            {
                "run_id": info.run_id,
                "name": info.run_name,
                "experiment_id": info.experiment_id,
                "status": str(info.status),
                "user": info.user_id,
                "started": render.format_time(info.start_time),
                "ended": render.format_time(info.end_time),
                "duration": render.format_duration(info.start_time, info.end_time),
                "artifact_uri": info.artifact_uri,
                "lifecycle_stage": str(info.lifecycle_stage),
                "parent_run_id": run.parent_run_id or "-",
            },
        )
    )
    if run.data.params:
        out.print(render.key_value_table("Params", run.data.params))
    if run.data.latest_metrics:
        out.print(
            render.table(
                "Metrics (latest)",
                ["Key", "Value", "Step", "Time"],
                (
                    [
                        m.key,
                        render.format_value(m.value),
                        str(m.step),
                        render.format_time(m.timestamp),
                    ]
                    for m in sorted(run.data.latest_metrics.values(), key=lambda m: m.key)
                ),
            )
        )
    if run.data.tags:
        out.print(render.key_value_table("Tags", run.data.tags))
    if run.inputs.dataset_inputs:
        out.print(
            render.table(
                "Dataset inputs",
                ["Name", "Digest", "Source type", "Tags"],
                (
                    [
                        d.dataset.name,
                        d.dataset.digest,
                        d.dataset.source_type,
                        ", ".join(f"{k}={v}" for k, v in sorted(d.tags.items())),
                    ]
                    for d in run.inputs.dataset_inputs
                ),
            )
        )


@runs.command("delete")
@click.argument("run_id")
@pass_state
def delete_run(state: CliState, run_id: str) -> None:
    """Delete a run (restorable with 'runs restore')."""
    state.client.delete_run(run_id)
    click.echo(f"Deleted run {run_id}; undo with: driftloop runs restore {run_id}")


@runs.command("restore")
@click.argument("run_id")
@pass_state
def restore_run(state: CliState, run_id: str) -> None:
    """Restore a deleted run."""
    state.client.restore_run(run_id)
    click.echo(f"Restored run {run_id}.")


def _search(
    state: CliState,
    experiment_refs: Sequence[str],
    filter_string: str,
    order_by: Sequence[str],
    max_results: int,
    view: str,
    as_json: bool,
) -> None:
    client = state.client
    experiment_ids = [client.resolve_experiment(ref).experiment_id for ref in experiment_refs]
    found: list[Run] = []
    token: str | None = None
    while len(found) < max_results:
        page = client.search_runs(
            experiment_ids,
            filter_string=filter_string,
            run_view_type=VIEWS[view],
            max_results=max_results - len(found),
            order_by=list(order_by) or None,
            page_token=token,
        )
        found.extend(page.items)
        token = page.next_page_token
        if not token:
            break
    if as_json:
        render.echo_json([render.run_to_dict(run) for run in found])
        return
    if not found:
        click.echo("No runs found.")
        return
    render.console().print(render.runs_table(found, render.common_metric_keys(found)))
