"""``/api/v1/registry/versions/*`` and ``/registry/events``: versions and the event log."""

from __future__ import annotations

from typing import Any

from driftloop.server.api_v1 import codec
from driftloop.server.api_v1._args import actor, integer_arg, integer_or, mapping, scalar, text
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.store.base import EVENT_MAX_RESULTS_DEFAULT, MODEL_VERSION_MAX_RESULTS_DEFAULT


def _version(call: Call) -> Any:
    return integer_arg(call, "version", required=True)


def create_model_version(call: Call) -> dict[str, Any]:
    """Register a new READY version; its number is the highest ever issued plus one."""
    version = call.state.stores.model_versions.create_model_version(
        text(call, "name"),
        scalar(call, "source", required=True),
        run_id=scalar(call, "run_id"),
        tags=mapping(call, "tags"),
        description=scalar(call, "description"),
        actor=actor(call),
    )
    return {"model_version": codec.model_version_to_json(version)}


def get_model_version(call: Call) -> dict[str, Any]:
    """Get one version of a registered model."""
    version = call.state.stores.model_versions.get_model_version(text(call, "name"), _version(call))
    return {"model_version": codec.model_version_to_json(version)}


def search_model_versions(call: Call) -> dict[str, Any]:
    """Search model versions with MLflow's registry filter grammar, one page at a time."""
    page = call.state.stores.model_versions.search_model_versions(
        filter_string=call.params.string("filter"),
        max_results=integer_or(call, "max_results", MODEL_VERSION_MAX_RESULTS_DEFAULT),
        order_by=call.params.strings("order_by") or None,
        page_token=call.params.string("page_token"),
    )
    visible = call.state.authorizer.visible_model_names(call)
    items = [v for v in page if visible is None or v.name in visible]
    return codec.page_to_json(
        "model_versions", [codec.model_version_to_json(v) for v in items], page.next_page_token
    )


def update_model_version(call: Call) -> dict[str, Any]:
    """Replace a version's description (null clears it)."""
    version = call.state.stores.model_versions.update_model_version(
        text(call, "name"), _version(call), scalar(call, "description")
    )
    return {"model_version": codec.model_version_to_json(version)}


def set_model_version_status(call: Call) -> dict[str, Any]:
    """Set a version's status and message (event MODEL_VERSION_STATUS_CHANGED)."""
    version = call.state.stores.model_versions.set_model_version_status(
        text(call, "name"),
        _version(call),
        scalar(call, "status", required=True),
        scalar(call, "status_message"),
        actor=actor(call),
    )
    return {"model_version": codec.model_version_to_json(version)}


def delete_model_version(call: Call) -> dict[str, Any]:
    """Delete a version and the aliases pointing at it; its number is never reused."""
    call.state.stores.model_versions.delete_model_version(
        text(call, "name"), _version(call), actor=actor(call)
    )
    return {}


def set_model_version_tag(call: Call) -> dict[str, Any]:
    """Set (or overwrite) one model-version tag."""
    call.state.stores.model_versions.set_model_version_tag(
        text(call, "name"),
        _version(call),
        scalar(call, "key", required=True),
        scalar(call, "value", required=True),
    )
    return {}


def delete_model_version_tag(call: Call) -> dict[str, Any]:
    """Remove one model-version tag; removing a tag that is not set is no error."""
    call.state.stores.model_versions.delete_model_version_tag(
        text(call, "name"), _version(call), scalar(call, "key", required=True)
    )
    return {}


def get_latest_version(call: Call) -> dict[str, Any]:
    """Get a model's highest-numbered version; model_version is null when it has none."""
    version = call.state.stores.model_versions.get_latest_version(text(call, "name"))
    return {"model_version": None if version is None else codec.model_version_to_json(version)}


def list_events(call: Call) -> dict[str, Any]:
    """List registry events in commit order, optionally one model's, after a given event id."""
    model_name = call.params.string("model_name")
    visible = call.state.authorizer.visible_model_names(call)
    page = call.state.stores.events.list_events(
        model_name,
        after_event_id=integer_arg(call, "after_event_id"),
        max_results=integer_or(call, "max_results", EVENT_MAX_RESULTS_DEFAULT),
        page_token=call.params.string("page_token"),
    )
    items = [e for e in page if visible is None or e.model_name in visible]
    return codec.page_to_json(
        "events", [codec.event_to_json(e) for e in items], page.next_page_token
    )


_M = Resource.REGISTERED_MODEL
ENDPOINTS: list[Endpoint] = [
    endpoint("/registry/versions/create", "POST", create_model_version, Permission.EDIT, _M),
    endpoint("/registry/versions/get", "GET", get_model_version, Permission.READ, _M),
    endpoint("/registry/versions/search", "GET", search_model_versions, Permission.READ),
    endpoint("/registry/versions/update", "POST", update_model_version, Permission.EDIT, _M),
    endpoint(
        "/registry/versions/set-status", "POST", set_model_version_status, Permission.EDIT, _M
    ),
    endpoint("/registry/versions/delete", "POST", delete_model_version, Permission.EDIT, _M),
    endpoint("/registry/versions/set-tag", "POST", set_model_version_tag, Permission.EDIT, _M),
    endpoint(
        "/registry/versions/delete-tag", "POST", delete_model_version_tag, Permission.EDIT, _M
    ),
    endpoint("/registry/versions/latest", "GET", get_latest_version, Permission.READ, _M),
    endpoint("/registry/events", "GET", list_events, Permission.READ),
]
