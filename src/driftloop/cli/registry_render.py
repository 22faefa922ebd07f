"""Turn registry entities into JSON-ready dicts and rich tables for ``driftloop models``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from driftloop.cli.render import format_time, format_value, table
from driftloop.entities import ModelVersion, RegisteredModel, RegistryEvent
from driftloop.registry.lineage import Lineage


def registered_model_to_dict(model: RegisteredModel) -> dict[str, Any]:
    """A registered model as JSON-ready data."""
    return {
        "name": model.name,
        "description": model.description,
        "creation_timestamp": model.creation_timestamp,
        "last_updated_timestamp": model.last_updated_timestamp,
        "tags": dict(model.tags),
        "aliases": dict(model.aliases),
    }


def model_version_to_dict(version: ModelVersion) -> dict[str, Any]:
    """A model version as JSON-ready data."""
    return {
        "name": version.name,
        "version": version.version,
        "status": str(version.status),
        "source": version.source,
        "run_id": version.run_id,
        "description": version.description,
        "aliases": list(version.aliases),
        "tags": dict(version.tags),
        "created_by": version.created_by,
        "creation_timestamp": version.creation_timestamp,
        "last_updated_timestamp": version.last_updated_timestamp,
    }


def event_to_dict(event: RegistryEvent) -> dict[str, Any]:
    """A registry event as JSON-ready data."""
    return {
        "event_id": event.event_id,
        "timestamp": event.timestamp,
        "actor": event.actor,
        "event_type": str(event.event_type),
        "model_name": event.model_name,
        "version": event.version,
        "alias": event.alias,
        "from_version": event.from_version,
        "to_version": event.to_version,
        "details": dict(event.details),
    }


def models_table(models: Sequence[RegisteredModel]) -> Table:
    """Registered models, one per row."""
    return table(
        None,
        ["Name", "Aliases", "Updated", "Description"],
        (
            [
                m.name,
                _aliases(m.aliases),
                format_time(m.last_updated_timestamp),
                m.description or "",
            ]
            for m in models
        ),
    )


def versions_table(versions: Sequence[ModelVersion]) -> Table:
    """Model versions, one per row."""
    return table(
        None,
        ["Version", "Aliases", "Status", "Run ID", "Created", "By", "Source"],
        (
            [
                str(v.version),
                ", ".join(v.aliases),
                str(v.status),
                v.run_id or "-",
                format_time(v.creation_timestamp),
                v.created_by or "-",
                v.source,
            ]
            for v in versions
        ),
    )


def events_table(events: Sequence[RegistryEvent]) -> Table:
    """Registry events, oldest first."""
    rows = []
    for event in events:
        change = ""
        if event.alias is not None:
            before = "-" if event.from_version is None else f"v{event.from_version}"
            after = "-" if event.to_version is None else f"v{event.to_version}"
            change = f"{event.alias}: {before} -> {after}"
        elif event.version is not None:
            change = f"v{event.version}"
        rows.append(
            [
                str(event.event_id),
                format_time(event.timestamp),
                event.actor,
                str(event.event_type),
                event.model_name,
                change,
            ]
        )
    return table(None, ["#", "Time", "Actor", "Event", "Model", "Change"], rows)


def lineage_tree(lineage: Lineage) -> Tree:
    """The chain version -> run -> code, params, metrics, datasets as a tree."""
    version = lineage.version
    aliases = f" ({', '.join(version.aliases)})" if version.aliases else ""
    root = Tree(
        f"[bold]{escape(version.name)}[/] v{version.version}{escape(aliases)}  "
        f"[dim]{escape(version.source)}[/]"
    )
    if lineage.run is None:
        root.add("[yellow]no run recorded[/] (registered from a path or the run is gone)")
        return root
    info = lineage.run.info
    run = root.add(f"run [bold]{info.run_id}[/] {escape(info.run_name)}  ({info.status})")
    code = run.add("code")
    code.add(f"git commit: {escape(lineage.git_commit or '-')}")
    code.add(f"entry point: {escape(lineage.entry_point or '-')}")
    code.add(f"user: {escape(lineage.user or '-')}")
    params = run.add(f"params ({len(lineage.params)})")
    for key in sorted(lineage.params):
        params.add(escape(f"{key} = {lineage.params[key]}"))
    metrics = run.add(f"metrics ({len(lineage.metrics)})")
    for key in sorted(lineage.metrics):
        metrics.add(escape(f"{key} = {format_value(lineage.metrics[key])}"))
    datasets = run.add(f"datasets ({len(lineage.datasets)})")
    for dataset in lineage.datasets:
        context = f" [{dataset.context}]" if dataset.context else ""
        datasets.add(escape(f"{dataset.name}{context} digest {dataset.digest}"))
    return root


def _aliases(aliases: Any) -> str:
    return ", ".join(f"{alias}=v{version}" for alias, version in sorted(aliases.items()))
