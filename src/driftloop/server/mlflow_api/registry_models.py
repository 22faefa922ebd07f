"""MLflow's ``registered-models/*`` routes: models, their tags and aliases."""

from __future__ import annotations

import contextlib
from typing import Any

from driftloop.errors import AliasNotFoundError, InvalidParameterError
from driftloop.server.mlflow_api.registry_convert import (
    actor,
    blocking,
    check_visible,
    model_json,
    tag_value_param,
    tags_param,
    version_json,
    version_param,
    visible_filter,
    without_prompts,
)
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.store.base import REGISTERED_MODEL_MAX_RESULTS_DEFAULT

_PREFIX = "/mlflow/registered-models"


def _model(call: Call, name: str) -> dict[str, Any]:
    model = call.state.stores.registry.get_registered_model(name)
    latest = call.state.stores.model_versions.get_latest_version(name)
    return {"registered_model": model_json(call, model, [latest] if latest else [])}


@blocking
def create_registered_model(call: Call) -> dict[str, Any]:
    """Create a registered model."""
    name = call.params.required_str("name")
    model = call.state.stores.registry.create_registered_model(
        name, call.params.string("description"), tags_param(call), actor=actor(call)
    )
    return {"registered_model": model_json(call, model)}


@blocking
def rename_registered_model(call: Call) -> dict[str, Any]:
    """Rename a registered model; its versions, tags and aliases follow."""
    name = call.params.required_str("name")
    new_name = call.params.required_str("new_name")
    call.state.stores.registry.rename_registered_model(name, new_name, actor=actor(call))
    return _model(call, new_name)


@blocking
def update_registered_model(call: Call) -> dict[str, Any]:
    """Replace a registered model's description."""
    name = call.params.required_str("name")
    call.state.stores.registry.update_registered_model(name, call.params.string("description"))
    return _model(call, name)


@blocking
def delete_registered_model(call: Call) -> dict[str, Any]:
    """Delete a registered model with its versions."""
    call.state.stores.registry.delete_registered_model(
        call.params.required_str("name"), actor=actor(call)
    )
    return {}


@blocking
def get_registered_model(call: Call) -> dict[str, Any]:
    """Get a registered model with its latest version."""
    return _model(call, call.params.required_str("name"))


@blocking
def search_registered_models(call: Call) -> dict[str, Any]:
    """Search registered models the caller may read."""
    params = call.params
    page = call.state.stores.registry.search_registered_models(
        filter_string=visible_filter(call, without_prompts(call, params.string("filter"))),
        max_results=params.integer("max_results", default=REGISTERED_MODEL_MAX_RESULTS_DEFAULT)
        or REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
        order_by=params.strings("order_by"),
        page_token=params.string("page_token"),
    )
    latest = call.state.stores.model_versions.get_latest_version
    body: dict[str, Any] = {
        "registered_models": [
            model_json(call, model, [v] if (v := latest(model.name)) else []) for model in page
        ]
    }
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body


@blocking
def get_latest_versions(call: Call) -> dict[str, Any]:
    """The latest version of a model (stages are deprecated and ignored)."""
    name = call.params.required_str("name")
    check_visible(call, name)
    call.params.strings("stages")
    latest = call.state.stores.model_versions.get_latest_version(name)
    return {"model_versions": [version_json(call, latest)] if latest else []}


@blocking
def set_registered_model_tag(call: Call) -> dict[str, Any]:
    """Set one tag of a registered model."""
    name = call.params.required_str("name")
    key = call.params.required_str("key")
    call.state.stores.registry.set_registered_model_tag(name, key, tag_value_param(call))
    return {}


@blocking
def delete_registered_model_tag(call: Call) -> dict[str, Any]:
    """Remove one tag of a registered model."""
    name = call.params.required_str("name")
    call.state.stores.registry.delete_registered_model_tag(name, call.params.required_str("key"))
    return {}


@blocking
def set_alias(call: Call) -> dict[str, Any]:
    """Point an alias at a version."""
    name = call.params.required_str("name")
    alias = call.params.required_str("alias")
    version = version_param(call)
    call.state.stores.registry.set_alias(name, alias, version, actor=actor(call))
    return {}


@blocking
def delete_alias(call: Call) -> dict[str, Any]:
    """Remove an alias; removing an alias that is not set is no error (as MLflow)."""
    name = call.params.required_str("name")
    alias = call.params.required_str("alias")
    with contextlib.suppress(AliasNotFoundError):
        call.state.stores.registry.delete_alias(name, alias, actor=actor(call))
    return {}


@blocking
def get_version_by_alias(call: Call) -> dict[str, Any]:
    """The version an alias points at (an unknown alias is a 400, as MLflow answers)."""
    name = call.params.required_str("name")
    alias = call.params.required_str("alias")
    try:
        version = call.state.stores.registry.get_model_version_by_alias(name, alias)
    except AliasNotFoundError as error:
        raise InvalidParameterError(
            f"Registered model alias {alias} not found.", field="alias"
        ) from error
    return {"model_version": version_json(call, version)}


_READ, _EDIT, _ADMIN = Permission.READ, Permission.EDIT, Permission.ADMIN
_MODEL = Resource.REGISTERED_MODEL

ENDPOINTS: list[Endpoint] = [
    endpoint(f"{_PREFIX}/create", "POST", create_registered_model, _EDIT),
    endpoint(f"{_PREFIX}/rename", "POST", rename_registered_model, _EDIT, _MODEL),
    endpoint(f"{_PREFIX}/update", "PATCH", update_registered_model, _EDIT, _MODEL),
    endpoint(f"{_PREFIX}/delete", "DELETE", delete_registered_model, _ADMIN, _MODEL),
    endpoint(f"{_PREFIX}/get", "GET", get_registered_model, _READ, _MODEL),
    endpoint(f"{_PREFIX}/search", "GET", search_registered_models, _READ),
    endpoint(f"{_PREFIX}/get-latest-versions", ("GET", "POST"), get_latest_versions, _READ, _MODEL),
    endpoint(f"{_PREFIX}/set-tag", "POST", set_registered_model_tag, _EDIT, _MODEL),
    endpoint(f"{_PREFIX}/delete-tag", "DELETE", delete_registered_model_tag, _EDIT, _MODEL),
    endpoint(f"{_PREFIX}/alias", "POST", set_alias, _EDIT, _MODEL),
    endpoint(f"{_PREFIX}/alias", "DELETE", delete_alias, _EDIT, _MODEL),
    endpoint(f"{_PREFIX}/alias", "GET", get_version_by_alias, _READ, _MODEL),
]
