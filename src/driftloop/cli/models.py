"""``driftloop models``: the model registry from the shell, plus predicting with a model."""

from __future__ import annotations

import click

from driftloop.cli import registry_render as show
from driftloop.cli import render
from driftloop.cli.model_predict import predict
from driftloop.cli.state import CliState, pass_state
from driftloop.registry.lineage import model_lineage

_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group()
def models() -> None:
    r"""Registered models: versions, aliases (champion, challenger...), lineage and events.

    \b
    A registered model is a name (e.g. "churn") whose versions point at logged models.
    Aliases name the version to use: load it with models:/churn@champion.
    """


models.add_command(predict)


@models.command("list")
@click.option(
    "--filter",
    "filter_string",
    default=None,
    metavar="FILTER",
    help="e.g. \"name LIKE 'churn%'\" or \"tags.team = 'risk'\".",
)
@click.option("--max-results", type=click.IntRange(1, 1000), default=100, show_default=True)
@_json_option
@pass_state
def list_models(
    state: CliState, filter_string: str | None, max_results: int, as_json: bool
) -> None:
    """List registered models by name."""
    page = state.client.search_registered_models(filter_string, max_results)
    if as_json:
        render.echo_json([show.registered_model_to_dict(m) for m in page.items])
        return
    render.console().print(show.models_table(page.items))


@models.command("show")
@click.argument("name")
@_json_option
@pass_state
def show_model(state: CliState, name: str, as_json: bool) -> None:
    """Show a registered model with its aliases, tags and latest versions."""
    client = state.client
    model = client.get_registered_model(name)
    versions = client.search_model_versions(f"name = '{_quoted(name)}'", 20).items
    if as_json:
        data = show.registered_model_to_dict(model)
        data["versions"] = [show.model_version_to_dict(v) for v in versions]
        render.echo_json(data)
        return
    out = render.console()
    out.print(
        render.key_value_table(
            "Registered model",
            {
                "name": model.name,
                "description": model.description or "-",
                "created": render.format_time(model.creation_timestamp),
                "updated": render.format_time(model.last_updated_timestamp),
                **{f"alias {a}": f"v{v}" for a, v in model.aliases.items()},
                **{f"tag {k}": v for k, v in model.tags.items()},
            },
        )
    )
    out.print(show.versions_table(versions))


@models.command("versions")
@click.argument("name")
@click.option("--max-results", type=click.IntRange(1, 10_000), default=100, show_default=True)
@_json_option
@pass_state
def list_versions(state: CliState, name: str, max_results: int, as_json: bool) -> None:
    """List a registered model's versions, newest first."""
    state.client.get_registered_model(name)  # a clear error for an unknown name
    page = state.client.search_model_versions(f"name = '{_quoted(name)}'", max_results)
    if as_json:
        render.echo_json([show.model_version_to_dict(v) for v in page.items])
        return
    render.console().print(show.versions_table(page.items))


@models.command("register")
@click.argument("model_uri")
@click.argument("name")
@click.option("--description", default=None, help="Description of the new version.")
@pass_state
def register(state: CliState, model_uri: str, name: str, description: str | None) -> None:
    """Register the model at MODEL_URI (e.g. runs:/<run_id>/model) as a new version of NAME."""
    version = state.client.register_model(model_uri, name, description=description)
    render.console().print(f"registered [bold]{version.name}[/] version {version.version}")


@models.command("rename")
@click.argument("name")
@click.argument("new_name")
@pass_state
def rename(state: CliState, name: str, new_name: str) -> None:
    """Rename registered model NAME to NEW_NAME (versions and aliases follow)."""
    state.client.rename_registered_model(name, new_name)
    render.console().print(f"renamed {name} to {new_name}", markup=False)


@models.command("delete")
@click.argument("name")
@click.option(
    "--version",
    type=click.IntRange(min=1),
    default=None,
    help="Delete only this version (its aliases go with it).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def delete(state: CliState, name: str, version: int | None, yes: bool) -> None:
    """Delete a registered model with all its versions, or one version with --version.

    The registry's event log keeps the history; the model files in the runs stay.
    """
    what = f"{name} version {version}" if version else f"{name} and all its versions"
    if not yes:
        click.confirm(f"Delete {what}?", abort=True)
    if version is None:
        state.client.delete_registered_model(name)
    else:
        state.client.delete_model_version(name, version)
    render.console().print(f"deleted {what}", markup=False)


@models.group("alias")
def alias() -> None:
    """Point aliases (champion, challenger, any name) at versions."""


@alias.command("set")
@click.argument("name")
@click.argument("alias_name", metavar="ALIAS")
@click.argument("version", type=click.IntRange(min=1))
@pass_state
def set_alias(state: CliState, name: str, alias_name: str, version: int) -> None:
    """Point ALIAS of NAME at VERSION (moves it if it is set; recorded in the event log)."""
    state.client.set_alias(name, alias_name, version)
    render.console().print(f"{name}@{alias_name} -> version {version}", markup=False)


@alias.command("delete")
@click.argument("name")
@click.argument("alias_name", metavar="ALIAS")
@pass_state
def delete_alias(state: CliState, name: str, alias_name: str) -> None:
    """Remove ALIAS from NAME."""
    state.client.delete_alias(name, alias_name)
    render.console().print(f"deleted alias {name}@{alias_name}", markup=False)


@models.command("lineage")
@click.argument("name")
@click.argument("version", type=click.IntRange(min=1))
@_json_option
@pass_state
def lineage(state: CliState, name: str, version: int, as_json: bool) -> None:
    """Trace VERSION of NAME to its run, git commit, params, metrics and datasets."""
    chain = model_lineage(state.client, name, version)
    if not as_json:
        render.console().print(show.lineage_tree(chain))
        return
    render.echo_json(
        {
            "version": show.model_version_to_dict(chain.version),
            "run": None if chain.run is None else render.run_to_dict(chain.run),
            "git_commit": chain.git_commit,
            "entry_point": chain.entry_point,
            "user": chain.user,
            "params": dict(chain.params),
            "metrics": {k: render.json_number(v) for k, v in chain.metrics.items()},
            "datasets": [
                {"name": d.name, "digest": d.digest, "context": d.context, "source": d.source}
                for d in chain.datasets
            ],
        }
    )


@models.command("events")
@click.argument("name", required=False)
@click.option(
    "--after",
    "after_event_id",
    type=click.IntRange(min=0),
    default=None,
    help="Only events after this event number.",
)
@click.option("--max-results", type=click.IntRange(1, 10_000), default=100, show_default=True)
@_json_option
@pass_state
def events(
    state: CliState, name: str | None, after_event_id: int | None, max_results: int, as_json: bool
) -> None:
    """Show the registry's event log (versions created, aliases moved), oldest first."""
    page = state.client.list_registry_events(
        name, after_event_id=after_event_id, max_results=max_results
    )
    if as_json:
        render.echo_json([show.event_to_dict(e) for e in page.items])
        return
    render.console().print(show.events_table(page.items))


def _quoted(text: str) -> str:
    return text.replace("'", "\\'")
