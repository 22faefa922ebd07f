"""MLflow's run routes: create, update, delete, restore, get and search.

The logging routes (log-metric, log-batch, set-tag, ...) live in :mod:`.run_logging` and are
mounted with these.
"""

from __future__ import annotations

from typing import Any

from driftloop.entities import RunStatus
from driftloop.errors import InvalidParameterError
from driftloop.server.mlflow_api import run_logging
from driftloop.server.mlflow_api._common import (
    EMPTY,
    destination,
    max_results,
    run_id,
    string_map,
    view_type,
    visible,
)
from driftloop.server.mlflow_api.convert import run_info_json, run_json, run_record_json
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.store.base import SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_LIMIT
from driftloop.store.sql.run_search import RunQuery

_BASE = "/mlflow/runs"


def create_run(call: Call) -> dict[str, Any]:
    """Create a run."""
    run = call.state.stores.runs.create_run(
        call.params.string("experiment_id") or "0",
        user_id=call.params.string("user_id") or "",
        start_time=call.params.integer("start_time"),
        tags=string_map(call, "tags"),
        run_name=call.params.string("run_name") or None,
    )
    return {"run": run_json(run, destination(call))}


def update_run(call: Call) -> dict[str, Any]:
    """Update a run's status, end time or name."""
    status_name = call.params.string("status")
    status = None
    if status_name is not None:
        try:
            status = RunStatus(status_name.upper())
        except ValueError as e:
            raise InvalidParameterError(
                f"Invalid value {status_name!r} for parameter 'status'", field="status"
            ) from e
    info = call.state.stores.runs.update_run_info(
        run_id(call),
        status=status,
        end_time=call.params.integer("end_time"),
        run_name=call.params.string("run_name") or None,
    )
    return {"run_info": run_info_json(info, destination(call))}


def delete_run(call: Call) -> dict[str, Any]:
    """Soft-delete a run."""
    call.state.stores.runs.delete_run(run_id(call))
    return EMPTY


def restore_run(call: Call) -> dict[str, Any]:
    """Restore a deleted run."""
    call.state.stores.runs.restore_run(run_id(call))
    return EMPTY


def get_run(call: Call) -> dict[str, Any]:
    """Get a run with its data and inputs."""
    return {"run": run_json(call.state.stores.runs.get_run(run_id(call)), destination(call))}


def search_runs(call: Call) -> dict[str, Any]:
    """Search runs with MLflow's filter grammar."""
    experiment_ids = visible(call, call.params.strings("experiment_ids"))
    limit = max_results(call, SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_LIMIT)
    view = view_type(call, "run_view_type")
    if not experiment_ids:
        return {"runs": []}
    query = RunQuery(
        experiment_ids,
        filter_string=call.params.string("filter") or "",
        view_type=view,
        max_results=limit,
        order_by=call.params.strings("order_by"),
        page_token=call.params.string("page_token"),
    )
    page = call.state.stores.runs.search_run_records(query)
    root = destination(call)
    body: dict[str, Any] = {"runs": [run_record_json(record, root) for record in page]}
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body


_READ, _EDIT, _RUN = Permission.READ, Permission.EDIT, Resource.RUN

ENDPOINTS: list[Endpoint] = [
    endpoint(f"{_BASE}/create", "POST", create_run, _EDIT, Resource.EXPERIMENT),
    endpoint(f"{_BASE}/update", "POST", update_run, _EDIT, _RUN),
    endpoint(f"{_BASE}/delete", "POST", delete_run, _EDIT, _RUN),
    endpoint(f"{_BASE}/restore", "POST", restore_run, _EDIT, _RUN),
    endpoint(f"{_BASE}/get", "GET", get_run, _READ, _RUN),
    endpoint(f"{_BASE}/search", ("POST", "GET"), search_runs, _READ),
    *run_logging.ENDPOINTS,
]
