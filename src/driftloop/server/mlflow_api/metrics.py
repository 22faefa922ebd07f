"""MLflow's metric history routes: one run's series, and several runs' series for charts."""

from __future__ import annotations

from typing import Any

from driftloop.errors import InvalidParameterError
from driftloop.server.mlflow_api._common import run_id
from driftloop.server.mlflow_api.convert import metric_json
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint

MAX_BULK_POINTS = 25_000
"""Most points one bulk-interval request returns (MLflow's limit)."""
MAX_BULK_RUNS = 100


def get_metric_history(call: Call) -> dict[str, Any]:
    """A metric's points; all of them unless ``max_results`` pages them."""
    limit = call.params.integer("max_results")
    if limit is not None and limit < 1:
        raise InvalidParameterError("max_results must be positive", field="max_results")
    page = call.state.stores.runs.get_metric_history(
        run_id(call),
        call.params.required_str("metric_key"),
        max_results=limit,
        page_token=call.params.string("page_token"),
    )
    body: dict[str, Any] = {"metrics": [metric_json(point) for point in page]}
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body


def get_history_bulk_interval(call: Call) -> dict[str, Any]:
    """Points of one metric for several runs, within an optional step range (capped)."""
    run_ids = call.params.strings("run_ids")
    if not run_ids:
        raise InvalidParameterError(
            "Missing value for required parameter 'run_ids'", field="run_ids"
        )
    if len(run_ids) > MAX_BULK_RUNS:
        raise InvalidParameterError(f"at most {MAX_BULK_RUNS} run_ids per request", field="run_ids")
    key = call.params.required_str("metric_key")
    start = call.params.integer("start_step")
    end = call.params.integer("end_step")
    limit = min(call.params.integer("max_results") or MAX_BULK_POINTS, MAX_BULK_POINTS)
    points: list[dict[str, Any]] = []
    for run in run_ids:
        history = call.state.stores.runs.get_metric_history(run, key)
        points.extend(
            {**metric_json(point), "run_id": run}
            for point in history
            if (start is None or point.step >= start) and (end is None or point.step <= end)
        )
    points.sort(key=lambda point: (point["run_id"], point["step"], point["timestamp"]))
    return {"metrics": points[:limit]}


_READ = Permission.READ

ENDPOINTS: list[Endpoint] = [
    endpoint("/mlflow/metrics/get-history", "GET", get_metric_history, _READ, Resource.RUN),
    endpoint("/mlflow/metrics/get-history-bulk-interval", "GET", get_history_bulk_interval, _READ),
]
