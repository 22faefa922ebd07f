"""``driftloop deployments``: serving targets of registered models, champion and challenger."""

from __future__ import annotations

import click

from driftloop.cli import render
from driftloop.cli.state import CliState, pass_state
from driftloop.entities import Deployment, DeploymentMode
from driftloop.errors import NotFoundError
from driftloop.server.api_v1.codec import deployment_to_json
from driftloop.tracking import Client

_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group()
def deployments() -> None:
    r"""Deployments: a registered model served under one name, with an optional challenger.

    \b
    The champion is the version an alias of the model points at (champion by default);
    a challenger version can run beside it:
      single  only the champion answers
      shadow  the challenger also scores every request; its answers are logged, not returned
      canary  the challenger answers a share of requests (--fraction)
    promote moves the champion alias to the challenger; rollback drops the challenger,
    or moves the alias back after a promotion. Every change is in the registry event log.

    \b
    Example:
      driftloop models alias set churn champion 3
      driftloop deployments create churn-api --model churn
      driftloop deployments set-challenger churn-api 4
      driftloop deployments set-mode churn-api canary --fraction 0.1
      driftloop deployments promote churn-api
    """


@deployments.command("create")
@click.argument("name")
@click.option("--model", "model_name", required=True, help="The registered model to serve.")
@click.option(
    "--alias",
    "champion_alias",
    default="champion",
    show_default=True,
    help="The model's alias whose version answers requests (it must exist).",
)
@click.option("--description", default=None, help="Free text about the deployment.")
@pass_state
def create(
    state: CliState, name: str, model_name: str, champion_alias: str, description: str | None
) -> None:
    """Create deployment NAME serving MODEL@ALIAS (mode single)."""
    created = state.client.create_deployment(
        name, model_name, champion_alias=champion_alias, description=description
    )
    render.console().print(
        f"created deployment {created.name} serving {created.model_name}@{created.champion_alias}",
        markup=False,
    )


@deployments.command("list")
@click.option("--model", "model_name", default=None, help="Only deployments of this model.")
@_json_option
@pass_state
def list_deployments(state: CliState, model_name: str | None, as_json: bool) -> None:
    """List deployments by name."""
    items = state.client.list_deployments(model_name)
    if as_json:
        render.echo_json([deployment_to_json(d) for d in items])
        return
    render.console().print(
        render.table(
            None,
            ["Name", "Model", "Champion", "Challenger", "Mode", "State", "Updated"],
            (
                [
                    d.name,
                    d.model_name,
                    d.champion_alias,
                    _version(d.challenger_version),
                    _mode(d),
                    d.state.value,
                    render.format_time(d.last_updated_timestamp),
                ]
                for d in items
            ),
        )
    )


@deployments.command("show")
@click.argument("name")
@_json_option
@pass_state
def show(state: CliState, name: str, as_json: bool) -> None:
    """Show deployment NAME with the version its champion alias points at now."""
    deployment = state.client.get_deployment(name)
    champion = _champion_version(state.client, deployment)
    if as_json:
        render.echo_json({**deployment_to_json(deployment), "champion_version": champion})
        return
    champion_text = "alias not set" if champion is None else f"v{champion}"
    render.console().print(
        render.key_value_table(
            "Deployment",
            {
                "name": deployment.name,
                "model": deployment.model_name,
                "champion": f"{deployment.champion_alias} -> {champion_text}",
                "challenger": _version(deployment.challenger_version),
                "mode": deployment.mode.value,
                "canary fraction": f"{deployment.canary_fraction:g}",
                "state": deployment.state.value,
                "previous champion": _version(deployment.previous_champion_version),
                "revision": str(deployment.revision),
                "created": render.format_time(deployment.creation_timestamp),
                "updated": render.format_time(deployment.last_updated_timestamp),
                "description": deployment.description or "-",
            },
        )
    )


@deployments.command("set-challenger")
@click.argument("name")
@click.argument("version", type=click.IntRange(min=1), required=False)
@click.option("--clear", is_flag=True, help="Remove the challenger (the mode becomes single).")
@pass_state
def set_challenger(state: CliState, name: str, version: int | None, clear: bool) -> None:
    """Set VERSION (a READY version, not the champion) as the challenger of NAME, or --clear."""
    if clear == (version is not None):
        raise click.UsageError("give either VERSION or --clear")
    updated = state.client.update_deployment(name, challenger_version=version)
    _print_summary(updated)


@deployments.command("set-mode")
@click.argument("name")
@click.argument("mode", type=click.Choice([m.value for m in DeploymentMode]))
@click.option(
    "--fraction",
    type=float,
    default=None,
    help="Share of requests the challenger answers in canary mode, 0..1 (default: kept).",
)
@pass_state
def set_mode(state: CliState, name: str, mode: str, fraction: float | None) -> None:
    """Route traffic of NAME: single, shadow (needs a challenger) or canary (needs one too)."""
    updated = state.client.update_deployment(name, mode=mode, canary_fraction=fraction)
    _print_summary(updated)


@deployments.command("promote")
@click.argument("name")
@pass_state
def promote(state: CliState, name: str) -> None:
    """Make the challenger of NAME the champion (moves the champion alias)."""
    before = state.client.get_deployment(name)
    promoted = state.client.promote_deployment(name)
    render.console().print(
        f"promoted {promoted.name}: {promoted.model_name}@{promoted.champion_alias} -> "
        f"v{before.challenger_version} (was {_version(promoted.previous_champion_version)})",
        markup=False,
    )


@deployments.command("rollback")
@click.argument("name")
@pass_state
def rollback(state: CliState, name: str) -> None:
    """Drop the challenger of NAME; without one, move the champion alias back after a promotion."""
    rolled = state.client.rollback_deployment(name)
    champion = _champion_version(state.client, rolled)
    render.console().print(
        f"rolled back {rolled.name}: champion {rolled.champion_alias} -> {_version(champion)}, "
        "no challenger",
        markup=False,
    )


@deployments.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def delete(state: CliState, name: str, yes: bool) -> None:
    """Delete deployment NAME (the model, its versions and aliases stay)."""
    if not yes:
        click.confirm(f"Delete deployment {name}?", abort=True)
    state.client.delete_deployment(name)
    render.console().print(f"deleted deployment {name}", markup=False)


def _champion_version(client: Client, deployment: Deployment) -> int | None:
    try:
        return client.get_version_by_alias(deployment.model_name, deployment.champion_alias).version
    except NotFoundError:
        return None


def _version(version: int | None) -> str:
    return "-" if version is None else f"v{version}"


def _mode(deployment: Deployment) -> str:
    if deployment.mode is DeploymentMode.CANARY:
        return f"canary {deployment.canary_fraction:g}"
    return deployment.mode.value


def _print_summary(deployment: Deployment) -> None:
    render.console().print(
        f"{deployment.name}: challenger {_version(deployment.challenger_version)}, mode "
        f"{_mode(deployment)}, state {deployment.state.value} (revision {deployment.revision})",
        markup=False,
    )
