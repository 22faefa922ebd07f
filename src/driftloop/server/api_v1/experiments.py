"""``/api/v1/experiments/*``: one endpoint per ``ExperimentStore`` method."""

from __future__ import annotations

from typing import Any

from driftloop.entities import ViewType
from driftloop.errors import InvalidParameterError
from driftloop.server.api_v1 import codec
from driftloop.server.api_v1._args import destination, integer_or, mapping, scalar, text
from driftloop.server.mlflow_api.artifact_uris import to_server_uri
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.store.base import SEARCH_MAX_RESULTS_DEFAULT


def view_type(call: Call) -> ViewType:
    """The view_type parameter (default ACTIVE_ONLY)."""
    value = call.params.string("view_type", default=ViewType.ACTIVE_ONLY.value)
    try:
        return ViewType(str(value).upper())
    except ValueError as error:
        choices = ", ".join(v.value for v in ViewType)
        raise InvalidParameterError(
            f"Invalid value for parameter 'view_type': {value!r} is not one of {choices}",
            field="view_type",
        ) from error


def create_experiment(call: Call) -> dict[str, Any]:
    """Create an experiment; returns its id (400 RESOURCE_ALREADY_EXISTS if the name is taken)."""
    location = scalar(call, "artifact_location")
    if isinstance(location, str):
        location = to_server_uri(location, destination(call))
    experiment_id = call.state.stores.experiments.create_experiment(
        scalar(call, "name", required=True), location, mapping(call, "tags")
    )
    return {"experiment_id": experiment_id}


def get_experiment(call: Call) -> dict[str, Any]:
    """Get an experiment by id (404 RESOURCE_DOES_NOT_EXIST when there is none)."""
    found = call.state.stores.experiments.get_experiment(call.params.required_str("experiment_id"))
    return {"experiment": codec.experiment_to_json(found, destination(call))}


def get_experiment_by_name(call: Call) -> dict[str, Any]:
    """Get the experiment with this exact name (active or deleted); null if there is none."""
    found = call.state.stores.experiments.get_experiment_by_name(text(call, "name"))
    visible = call.state.authorizer.visible_experiment_ids(call)
    if found is None or (visible is not None and found.experiment_id not in visible):
        return {"experiment": None}
    return {"experiment": codec.experiment_to_json(found, destination(call))}


def search_experiments(call: Call) -> dict[str, Any]:
    """Search experiments by filter and order (newest first), one page at a time."""
    page = call.state.stores.experiments.search_experiments(
        view_type=view_type(call),
        max_results=integer_or(call, "max_results", SEARCH_MAX_RESULTS_DEFAULT),
        filter_string=call.params.string("filter"),
        order_by=call.params.strings("order_by") or None,
        page_token=call.params.string("page_token"),
    )
    visible = call.state.authorizer.visible_experiment_ids(call)
    items = [e for e in page if visible is None or e.experiment_id in visible]
    return codec.page_to_json(
        "experiments",
        [codec.experiment_to_json(e, destination(call)) for e in items],
        page.next_page_token,
    )


def rename_experiment(call: Call) -> dict[str, Any]:
    """Rename an experiment (400 RESOURCE_ALREADY_EXISTS if the new name is taken)."""
    call.state.stores.experiments.rename_experiment(
        call.params.required_str("experiment_id"), scalar(call, "new_name", required=True)
    )
    return {}


def delete_experiment(call: Call) -> dict[str, Any]:
    """Soft-delete an experiment and its runs; restorable with /experiments/restore."""
    call.state.stores.experiments.delete_experiment(call.params.required_str("experiment_id"))
    return {}


def restore_experiment(call: Call) -> dict[str, Any]:
    """Restore a soft-deleted experiment and the runs deleted with it."""
    call.state.stores.experiments.restore_experiment(call.params.required_str("experiment_id"))
    return {}


def set_experiment_tag(call: Call) -> dict[str, Any]:
    """Set (or overwrite) one experiment tag."""
    call.state.stores.experiments.set_experiment_tag(
        call.params.required_str("experiment_id"),
        scalar(call, "key", required=True),
        scalar(call, "value", required=True),
    )
    return {}


def delete_experiment_tag(call: Call) -> dict[str, Any]:
    """Remove one experiment tag (404 RESOURCE_DOES_NOT_EXIST if it is not set)."""
    call.state.stores.experiments.delete_experiment_tag(
        call.params.required_str("experiment_id"), scalar(call, "key", required=True)
    )
    return {}


_E = Resource.EXPERIMENT
ENDPOINTS: list[Endpoint] = [
    endpoint("/experiments/create", "POST", create_experiment, Permission.EDIT),
    endpoint("/experiments/get", "GET", get_experiment, Permission.READ, _E),
    endpoint("/experiments/get-by-name", "GET", get_experiment_by_name, Permission.READ),
    endpoint("/experiments/search", "GET", search_experiments, Permission.READ),
    endpoint("/experiments/rename", "POST", rename_experiment, Permission.EDIT, _E),
    endpoint("/experiments/delete", "POST", delete_experiment, Permission.EDIT, _E),
    endpoint("/experiments/restore", "POST", restore_experiment, Permission.EDIT, _E),
    endpoint("/experiments/set-tag", "POST", set_experiment_tag, Permission.EDIT, _E),
    endpoint("/experiments/delete-tag", "POST", delete_experiment_tag, Permission.EDIT, _E),
]
