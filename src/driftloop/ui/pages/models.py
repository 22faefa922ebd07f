"""Models: registered models, a model's versions and events, a version's lineage.

A version's lineage: the run that produced it (with its git commit and the digests of its
datasets), the continuous-training episode that trained it (the version tags the controller
sets), the deployments serving it, and the registry events about it (aliases moving to and
from it, deployments promoting it).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from driftloop.entities import ModelVersion, RegistryEvent, Run
from driftloop.errors import NotFoundError
from driftloop.server.routing import Call, Endpoint, Permission, Resource
from driftloop.store.sql import SqlStores
from driftloop.ui.page import bad_request, page
from driftloop.ui.pages.experiments import quote_literal
from driftloop.ui.registry import NavEntry
from driftloop.ui.render import render

NAV = NavEntry("Models", "/models", 20)
MAX_MODELS = 1000
MAX_VERSIONS = 1000
EVENTS_SHOWN = 200
EVENT_PAGES = 20
"""At most this many pages of 1,000 registry events are read for one model."""
GIT_COMMIT_TAG = "mlflow.source.git.commit"
CT_TAGS = (
    ("driftloop.ct.episode_id", "CT episode"),
    ("driftloop.ct.pipeline_run_id", "Pipeline run"),
    ("driftloop.ct.window_cut_ms", "Training window cut at"),
)


def models(call: Call) -> Response:
    """List the registered models, optionally those whose name contains ``q``."""
    query = (call.params.string("q") or "").strip()
    found = call.state.stores.registry.search_registered_models(
        filter_string=f"name ILIKE {quote_literal(f'%{query}%')}" if query else None,
        max_results=MAX_MODELS,
    )
    visible = call.state.authorizer.visible_model_names(call)
    shown = [m for m in found if visible is None or m.name in visible]
    return render(
        call,
        "models.html.j2",
        {"models": shown, "query": query, "truncated": found.next_page_token is not None},
    )


def model(call: Call) -> Response:
    """One registered model: its versions, aliases, deployments and events."""
    name = call.params.required_str("name")
    stores = call.state.stores
    found = stores.registry.get_registered_model(name)
    versions = stores.model_versions.search_model_versions(
        filter_string=f"name = {quote_literal(found.name)}",
        max_results=MAX_VERSIONS,
        order_by=["version_number DESC"],
    )
    events = model_events(stores, found.name)
    return render(
        call,
        "models_model.html.j2",
        {
            "model": found,
            "versions": list(versions),
            "more_versions": versions.next_page_token is not None,
            "deployments": stores.deployments.list_deployments(found.name),
            "events": events[::-1][:EVENTS_SHOWN],
            "events_total": len(events),
        },
    )


def version(call: Call) -> Response:
    """One model version with its lineage and its event history."""
    name = call.params.required_str("name")
    number = call.params.integer("version", required=True)
    if number is None or number < 1:
        raise bad_request("version must be a positive integer", "version")
    stores = call.state.stores
    found = stores.model_versions.get_model_version(name, number)
    run = _run(stores, found)
    events = [e for e in model_events(stores, found.name) if _about(e, found.version)]
    serving = [
        d
        for d in stores.deployments.list_deployments(found.name)
        if d.challenger_version == found.version or d.champion_alias in found.aliases
    ]
    return render(
        call,
        "models_version.html.j2",
        {
            "version": found,
            "run": run,
            "run_missing": found.run_id is not None and run is None,
            "commit": None if run is None else run.data.tags.get(GIT_COMMIT_TAG),
            "datasets": [] if run is None else _datasets(run),
            "ct": _ct_lineage(stores, found),
            "serving": serving,
            "events": events[::-1][:EVENTS_SHOWN],
            "tags": sorted(found.tags.items()),
        },
    )


def model_events(stores: SqlStores, name: str) -> list[RegistryEvent]:
    """The model's registry events, oldest first (at most ``EVENT_PAGES`` pages)."""
    events: list[RegistryEvent] = []
    token: str | None = None
    for _ in range(EVENT_PAGES):
        found = stores.events.list_events(name, max_results=1000, page_token=token)
        events.extend(found)
        token = found.next_page_token
        if token is None:
            break
    return events


def _about(event: RegistryEvent, number: int) -> bool:
    return number in (event.version, event.from_version, event.to_version) or (
        event.details.get("challenger_version") == str(number)
    )


def _run(stores: SqlStores, found: ModelVersion) -> Run | None:
    if found.run_id is None:
        return None
    try:
        return stores.runs.get_run(found.run_id)
    except NotFoundError:
        return None


def _datasets(run: Run) -> list[dict[str, str]]:
    return [
        {
            "name": item.dataset.name,
            "digest": item.dataset.digest,
            "context": item.tags.get("mlflow.data.context", ""),
            "source_type": item.dataset.source_type,
        }
        for item in run.inputs.dataset_inputs
    ]


def _ct_lineage(stores: SqlStores, found: ModelVersion) -> dict[str, Any] | None:
    """The CT tags of the version, with the episode they name when it still exists."""
    tags = {key: found.tags[key] for key, _ in CT_TAGS if key in found.tags}
    if not tags:
        return None
    episode = None
    episode_id = tags.get("driftloop.ct.episode_id")
    if episode_id:
        try:
            episode = stores.ct.get_episode(episode_id)
        except NotFoundError:
            episode = None
    cut = tags.get("driftloop.ct.window_cut_ms", "")
    return {
        "episode_id": episode_id,
        "episode": episode,
        "pipeline_run_id": tags.get("driftloop.ct.pipeline_run_id"),
        "window_cut_ms": int(cut) if cut.isdigit() else None,
        "window_cut_text": cut,
    }


_MODEL = Resource.REGISTERED_MODEL

PAGES: list[Endpoint] = [
    page("/models", models),
    page("/models/view", model, Permission.READ, _MODEL),
    page("/models/version", version, Permission.READ, _MODEL),
]
