"""MLflow's ``model-versions/*`` routes: versions, their tags, stages and download URIs."""

from __future__ import annotations

from typing import Any

from driftloop.errors import NotFoundError
from driftloop.server.mlflow_api.registry_convert import (
    actor,
    blocking,
    check_model_id,
    public_uri,
    stage_param,
    store_source,
    tag_value_param,
    tags_param,
    version_json,
    version_param,
    visible_filter,
)
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.store.base import MODEL_VERSION_MAX_RESULTS_DEFAULT

_PREFIX = "/mlflow/model-versions"


def _version(call: Call, name: str, version: int) -> dict[str, Any]:
    found = call.state.stores.model_versions.get_model_version(name, version)
    return {"model_version": version_json(call, found)}


@blocking
def create_model_version(call: Call) -> dict[str, Any]:
    """Register a new version of a model from a source in this server's artifact store."""
    name = call.params.required_str("name")
    source = call.params.required_str("source")
    stored = store_source(call, source)
    check_model_id(call, source)
    call.params.string("run_link")
    created = call.state.stores.model_versions.create_model_version(
        name,
        stored,
        run_id=call.params.string("run_id"),
        tags=tags_param(call),
        description=call.params.string("description"),
        actor=actor(call),
    )
    return {"model_version": version_json(call, created)}


@blocking
def update_model_version(call: Call) -> dict[str, Any]:
    """Replace a version's description."""
    name = call.params.required_str("name")
    version = version_param(call)
    updated = call.state.stores.model_versions.update_model_version(
        name, version, call.params.string("description")
    )
    return {"model_version": version_json(call, updated)}


@blocking
def transition_stage(call: Call) -> dict[str, Any]:
    """Accept a stage transition and change nothing: stages are deprecated (stage "None")."""
    name = call.params.required_str("name")
    version = version_param(call)
    stage_param(call)
    return _version(call, name, version)


@blocking
def delete_model_version(call: Call) -> dict[str, Any]:
    """Delete a version and the aliases pointing at it."""
    name = call.params.required_str("name")
    version = version_param(call)
    call.state.stores.model_versions.delete_model_version(name, version, actor=actor(call))
    return {}


@blocking
def get_model_version(call: Call) -> dict[str, Any]:
    """Get one version."""
    return _version(call, call.params.required_str("name"), version_param(call))


@blocking
def search_model_versions(call: Call) -> dict[str, Any]:
    """Search the versions of the models the caller may read."""
    params = call.params
    page = call.state.stores.model_versions.search_model_versions(
        filter_string=visible_filter(call, params.string("filter")),
        max_results=params.integer("max_results", default=MODEL_VERSION_MAX_RESULTS_DEFAULT)
        or MODEL_VERSION_MAX_RESULTS_DEFAULT,
        order_by=params.strings("order_by"),
        page_token=params.string("page_token"),
    )
    body: dict[str, Any] = {"model_versions": [version_json(call, found) for found in page]}
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body


@blocking
def get_download_uri(call: Call) -> dict[str, Any]:
    """Where the version's files are: ``runs:/`` sources resolved to the run's artifacts."""
    found = call.state.stores.model_versions.get_model_version(
        call.params.required_str("name"), version_param(call)
    )
    uri = found.source
    if uri.startswith("runs:/"):
        run_id, _, path = uri.removeprefix("runs:/").partition("/")
        try:
            root = call.state.stores.runs.get_run(run_id).info.artifact_uri.rstrip("/")
        except NotFoundError:
            root = None
        if root is not None:
            uri = f"{root}/{path}" if path else root
    return {"artifact_uri": public_uri(call, uri)}


@blocking
def set_model_version_tag(call: Call) -> dict[str, Any]:
    """Set one tag of a version."""
    name = call.params.required_str("name")
    version = version_param(call)
    key = call.params.required_str("key")
    call.state.stores.model_versions.set_model_version_tag(
        name, version, key, tag_value_param(call)
    )
    return {}


@blocking
def delete_model_version_tag(call: Call) -> dict[str, Any]:
    """Remove one tag of a version."""
    name = call.params.required_str("name")
    version = version_param(call)
    call.state.stores.model_versions.delete_model_version_tag(
        name, version, call.params.required_str("key")
    )
    return {}


_READ, _EDIT, _ADMIN = Permission.READ, Permission.EDIT, Permission.ADMIN
_MODEL = Resource.REGISTERED_MODEL

ENDPOINTS: list[Endpoint] = [
    endpoint(f"{_PREFIX}/create", "POST", create_model_version, _EDIT, _MODEL),
    endpoint(f"{_PREFIX}/update", "PATCH", update_model_version, _EDIT, _MODEL),
    endpoint(f"{_PREFIX}/transition-stage", "POST", transition_stage, _EDIT, _MODEL),
    endpoint(f"{_PREFIX}/delete", "DELETE", delete_model_version, _ADMIN, _MODEL),
    endpoint(f"{_PREFIX}/get", "GET", get_model_version, _READ, _MODEL),
    endpoint(f"{_PREFIX}/search", "GET", search_model_versions, _READ),
    endpoint(f"{_PREFIX}/get-download-uri", "GET", get_download_uri, _READ, _MODEL),
    endpoint(f"{_PREFIX}/set-tag", "POST", set_model_version_tag, _EDIT, _MODEL),
    endpoint(f"{_PREFIX}/delete-tag", "DELETE", delete_model_version_tag, _EDIT, _MODEL),
]
