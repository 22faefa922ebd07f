"""MLflow's experiment routes: create, search, get, get-by-name, delete, restore, update, tags."""

from __future__ import annotations

from typing import Any

from driftloop.errors import ExperimentNotFoundError
from driftloop.server.mlflow_api._common import (
    EMPTY,
    destination,
    max_results,
    required_value,
    string_map,
    view_type,
    visible,
)
from driftloop.server.mlflow_api.artifact_uris import to_server_uri
from driftloop.server.mlflow_api.convert import experiment_json
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.store.base import SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_LIMIT

_BASE = "/mlflow/experiments"


def create_experiment(call: Call) -> dict[str, Any]:
    """Create an experiment."""
    location = call.params.string("artifact_location")
    if location:
        location = to_server_uri(location, destination(call))
    experiment_id = call.state.stores.experiments.create_experiment(
        call.params.required_str("name"), location or None, string_map(call, "tags")
    )
    return {"experiment_id": experiment_id}


def search_experiments(call: Call) -> dict[str, Any]:
    """Search experiments (GET or POST)."""
    page = call.state.stores.experiments.search_experiments(
        view_type=view_type(call, "view_type"),
        max_results=max_results(call, SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_LIMIT),
        filter_string=call.params.string("filter"),
        order_by=call.params.strings("order_by"),
        page_token=call.params.string("page_token"),
    )
    shown = set(visible(call, [e.experiment_id for e in page]))
    body: dict[str, Any] = {
        "experiments": [
            experiment_json(e, destination(call)) for e in page if e.experiment_id in shown
        ]
    }
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body


def get_experiment(call: Call) -> dict[str, Any]:
    """Get an experiment by id."""
    experiment = call.state.stores.experiments.get_experiment(
        call.params.required_str("experiment_id")
    )
    return {"experiment": experiment_json(experiment, destination(call))}


def get_experiment_by_name(call: Call) -> dict[str, Any]:
    """Get an experiment by name (404 when there is none)."""
    name = call.params.required_str("experiment_name")
    experiment = call.state.stores.experiments.get_experiment_by_name(name)
    if experiment is None:
        raise ExperimentNotFoundError(
            f"Could not find experiment with name '{name}'", field="experiment_name"
        )
    return {"experiment": experiment_json(experiment, destination(call))}


def delete_experiment(call: Call) -> dict[str, Any]:
    """Soft-delete an experiment and its runs."""
    call.state.stores.experiments.delete_experiment(call.params.required_str("experiment_id"))
    return EMPTY


def restore_experiment(call: Call) -> dict[str, Any]:
    """Restore a deleted experiment."""
    call.state.stores.experiments.restore_experiment(call.params.required_str("experiment_id"))
    return EMPTY


def update_experiment(call: Call) -> dict[str, Any]:
    """Rename an experiment."""
    experiment_id = call.params.required_str("experiment_id")
    new_name = call.params.string("new_name")
    if new_name is not None:
        call.state.stores.experiments.rename_experiment(experiment_id, new_name)
    else:
        call.state.stores.experiments.get_experiment(experiment_id)
    return EMPTY


def set_experiment_tag(call: Call) -> dict[str, Any]:
    """Set an experiment tag."""
    call.state.stores.experiments.set_experiment_tag(
        call.params.required_str("experiment_id"),
        call.params.required_str("key"),
        required_value(call, "value"),
    )
    return EMPTY


def delete_experiment_tag(call: Call) -> dict[str, Any]:
    """Delete an experiment tag."""
    call.state.stores.experiments.delete_experiment_tag(
        call.params.required_str("experiment_id"), call.params.required_str("key")
    )
    return EMPTY


_READ, _EDIT, _EXP = Permission.READ, Permission.EDIT, Resource.EXPERIMENT

ENDPOINTS: list[Endpoint] = [
    endpoint(f"{_BASE}/create", "POST", create_experiment, _EDIT),
    endpoint(f"{_BASE}/search", ("GET", "POST"), search_experiments, _READ),
    endpoint(f"{_BASE}/get", "GET", get_experiment, _READ, _EXP),
    endpoint(f"{_BASE}/get-by-name", "GET", get_experiment_by_name, _READ, _EXP),
    endpoint(f"{_BASE}/delete", "POST", delete_experiment, _EDIT, _EXP),
    endpoint(f"{_BASE}/restore", "POST", restore_experiment, _EDIT, _EXP),
    endpoint(f"{_BASE}/update", "POST", update_experiment, _EDIT, _EXP),
    endpoint(f"{_BASE}/set-experiment-tag", "POST", set_experiment_tag, _EDIT, _EXP),
    endpoint(f"{_BASE}/delete-experiment-tag", "POST", delete_experiment_tag, _EDIT, _EXP),
]
