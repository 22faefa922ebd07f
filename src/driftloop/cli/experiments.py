"""``driftloop experiments``: list, create, rename, delete and restore experiments."""

from __future__ import annotations

import click

from driftloop.cli import render
from driftloop.cli.state import CliState, pass_state
from driftloop.entities import Experiment, ViewType

VIEWS = {"active": ViewType.ACTIVE_ONLY, "deleted": ViewType.DELETED_ONLY, "all": ViewType.ALL}


@click.group()
def experiments() -> None:
    """Manage experiments (named groups of runs)."""


@experiments.command("list")
@click.option(
    "--view",
    type=click.Choice(sorted(VIEWS)),
    default="active",
    show_default=True,
    help="Which experiments to show: active, deleted (restorable) or all.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def list_experiments(state: CliState, view: str, as_json: bool) -> None:
    """List experiments, newest first."""
    found: list[Experiment] = []
    token: str | None = None
    while True:
        page = state.client.search_experiments(view_type=VIEWS[view], page_token=token)
        found.extend(page.items)
        token = page.next_page_token
        if not token:
            break
    if as_json:
        render.echo_json([render.experiment_to_dict(e) for e in found])
        return
    out = render.console()
    if not found:
        click.echo(f"No {view} experiments.")
        return
    out.print(render.experiments_table(found))


@experiments.command("create")
@click.argument("name")
@click.option(
    "--artifact-location",
    metavar="URI",
    help="Where the experiment's runs store artifacts (default: under the tracking folder).",
)
@pass_state
def create_experiment(state: CliState, name: str, artifact_location: str | None) -> None:
    """Create the experiment NAME."""
    experiment_id = state.client.create_experiment(name, artifact_location=artifact_location)
    click.echo(f"Created experiment {name!r} with id {experiment_id}.")


@experiments.command("rename")
@click.argument("experiment_id", metavar="ID")
@click.argument("new_name")
@pass_state
def rename_experiment(state: CliState, experiment_id: str, new_name: str) -> None:
    """Rename experiment ID to NEW_NAME."""
    state.client.rename_experiment(experiment_id, new_name)
    click.echo(f"Renamed experiment {experiment_id} to {new_name!r}.")


@experiments.command("delete")
@click.argument("experiment_id", metavar="ID")
@pass_state
def delete_experiment(state: CliState, experiment_id: str) -> None:
    """Delete experiment ID and its runs (restorable with 'experiments restore')."""
    state.client.delete_experiment(experiment_id)
    click.echo(
        f"Deleted experiment {experiment_id}; undo with: driftloop experiments restore "
        f"{experiment_id}"
    )


@experiments.command("restore")
@click.argument("experiment_id", metavar="ID")
@pass_state
def restore_experiment(state: CliState, experiment_id: str) -> None:
    """Restore the deleted experiment ID and the runs deleted with it."""
    state.client.restore_experiment(experiment_id)
    click.echo(f"Restored experiment {experiment_id}.")
