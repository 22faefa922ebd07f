"""``/api/v1/registry/models/*`` and ``/registry/aliases/*``: the ``RegistryStore`` methods."""

from __future__ import annotations

from typing import Any

from driftloop.server.api_v1 import codec
from driftloop.server.api_v1._args import actor, integer_arg, integer_or, mapping, scalar, text
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.store.base import REGISTERED_MODEL_MAX_RESULTS_DEFAULT


def create_registered_model(call: Call) -> dict[str, Any]:
    """Create a registered model with no versions (400 RESOURCE_ALREADY_EXISTS if taken)."""
    model = call.state.stores.registry.create_registered_model(
        scalar(call, "name", required=True),
        scalar(call, "description"),
        mapping(call, "tags"),
        actor=actor(call),
    )
    return {"registered_model": codec.registered_model_to_json(model)}


def get_registered_model(call: Call) -> dict[str, Any]:
    """Get a registered model with its tags and aliases."""
    model = call.state.stores.registry.get_registered_model(text(call, "name"))
    return {"registered_model": codec.registered_model_to_json(model)}


def search_registered_models(call: Call) -> dict[str, Any]:
    """Search registered models with MLflow's registry filter grammar, one page at a time."""
    page = call.state.stores.registry.search_registered_models(
        filter_string=call.params.string("filter"),
        max_results=integer_or(call, "max_results", REGISTERED_MODEL_MAX_RESULTS_DEFAULT),
        order_by=call.params.strings("order_by") or None,
        page_token=call.params.string("page_token"),
    )
    visible = call.state.authorizer.visible_model_names(call)
    items = [m for m in page if visible is None or m.name in visible]
    return codec.page_to_json(
        "registered_models",
        [codec.registered_model_to_json(m) for m in items],
        page.next_page_token,
    )


def rename_registered_model(call: Call) -> dict[str, Any]:
    """Rename a registered model; its versions, tags, aliases and event history follow."""
    model = call.state.stores.registry.rename_registered_model(
        text(call, "name"), scalar(call, "new_name", required=True), actor=actor(call)
    )
    return {"registered_model": codec.registered_model_to_json(model)}


def update_registered_model(call: Call) -> dict[str, Any]:
    """Replace a registered model's description (null clears it)."""
    model = call.state.stores.registry.update_registered_model(
        text(call, "name"), scalar(call, "description")
    )
    return {"registered_model": codec.registered_model_to_json(model)}


def delete_registered_model(call: Call) -> dict[str, Any]:
    """Delete a registered model with its versions, tags and aliases; its events stay."""
    call.state.stores.registry.delete_registered_model(text(call, "name"), actor=actor(call))
    return {}


def set_registered_model_tag(call: Call) -> dict[str, Any]:
    """Set (or overwrite) one registered-model tag."""
    call.state.stores.registry.set_registered_model_tag(
        text(call, "name"),
        scalar(call, "key", required=True),
        scalar(call, "value", required=True),
    )
    return {}


def delete_registered_model_tag(call: Call) -> dict[str, Any]:
    """Remove one registered-model tag; removing a tag that is not set is no error."""
    call.state.stores.registry.delete_registered_model_tag(
        text(call, "name"), scalar(call, "key", required=True)
    )
    return {}


def set_alias(call: Call) -> dict[str, Any]:
    """Point an alias at a version, creating or moving it atomically (event ALIAS_SET)."""
    call.state.stores.registry.set_alias(
        text(call, "name"),
        scalar(call, "alias", required=True),
        integer_arg(call, "version", required=True),
        actor=actor(call),
    )
    return {}


def delete_alias(call: Call) -> dict[str, Any]:
    """Remove an alias (event ALIAS_DELETED; 404 if the model has no such alias)."""
    call.state.stores.registry.delete_alias(
        text(call, "name"), scalar(call, "alias", required=True), actor=actor(call)
    )
    return {}


def get_model_version_by_alias(call: Call) -> dict[str, Any]:
    """Get the model version an alias points at."""
    version = call.state.stores.registry.get_model_version_by_alias(
        text(call, "name"), text(call, "alias")
    )
    return {"model_version": codec.model_version_to_json(version)}


_M = Resource.REGISTERED_MODEL
ENDPOINTS: list[Endpoint] = [
    endpoint("/registry/models/create", "POST", create_registered_model, Permission.EDIT),
    endpoint("/registry/models/get", "GET", get_registered_model, Permission.READ, _M),
    endpoint("/registry/models/search", "GET", search_registered_models, Permission.READ),
    endpoint("/registry/models/rename", "POST", rename_registered_model, Permission.EDIT, _M),
    endpoint("/registry/models/update", "POST", update_registered_model, Permission.EDIT, _M),
    endpoint("/registry/models/delete", "POST", delete_registered_model, Permission.EDIT, _M),
    endpoint("/registry/models/set-tag", "POST", set_registered_model_tag, Permission.EDIT, _M),
    endpoint(
        "/registry/models/delete-tag", "POST", delete_registered_model_tag, Permission.EDIT, _M
    ),
    endpoint("/registry/aliases/set", "POST", set_alias, Permission.EDIT, _M),
    endpoint("/registry/aliases/delete", "POST", delete_alias, Permission.EDIT, _M),
    endpoint("/registry/aliases/get", "GET", get_model_version_by_alias, Permission.READ, _M),
]
