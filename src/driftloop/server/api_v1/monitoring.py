"""``/api/v1/monitoring/*``: the ``MonitorStore`` methods over HTTP.

Every value is handed to the store as sent, so a bad one answers 400
``INVALID_PARAMETER_VALUE`` with the store's own message and ``field`` (``points[3].value``,
``since``), and an invalid run writes nothing.

Authorization: monitoring runs are keyed by a deployment *name*, which need not be a
deployment (an inference log can be monitored on its own), so the routes use the ``GLOBAL``
resource. Recording and deleting runs need ``EDIT`` (the editor role; deleting is retention,
the same permission as writing). Reading needs ``READ``: readers and above read everything;
a guest reads the runs of the deployments whose registered model they hold a grant on (the
handler checks with ``visible_model_names``), and is refused (403) anything else, an unknown
run or deployment included, without learning whether it exists.
"""

from __future__ import annotations

from typing import Any

from driftloop.errors import InvalidParameterError, NotFoundError
from driftloop.server.api_v1._args import integer_arg, integer_or, mapping, scalar, text
from driftloop.server.api_v1._errors import with_typed_errors
from driftloop.server.api_v1.codec import page_to_json
from driftloop.server.api_v1.monitoring_codec import (
    points_from_request,
    run_to_json,
    series_point_to_json,
)
from driftloop.server.auth.errors import PermissionDeniedError
from driftloop.server.routing import Call, Endpoint, Permission, endpoint
from driftloop.store.base import MONITOR_RUNS_MAX_RESULTS_DEFAULT


def _require_visible(call: Call, deployment: object) -> None:
    """Refuse a caller limited to granted models unless ``deployment``'s model is granted."""
    visible = call.state.authorizer.visible_model_names(call)
    if visible is None:
        return
    model_name: str | None = None
    if isinstance(deployment, str) and deployment:
        try:
            model_name = call.state.stores.deployments.get_deployment(deployment).model_name
        except (NotFoundError, InvalidParameterError):
            model_name = None
    if model_name is None or model_name not in visible:
        raise PermissionDeniedError(
            f"user {call.principal!r} lacks read permission for the monitoring runs of "
            f"deployment {deployment!r}"
        )


def record_monitor_run(call: Call) -> dict[str, Any]:
    """Record one monitoring run and its points (all or nothing)."""
    raw = call.params.raw
    run = call.state.stores.monitoring.record_monitor_run(
        scalar(call, "deployment"),
        model_version=scalar(call, "model_version"),
        window_start=scalar(call, "window_start"),
        window_end=scalar(call, "window_end"),
        rows=scalar(call, "rows"),
        verdict=scalar(call, "verdict"),
        points=points_from_request(raw.get("points")),  # type: ignore[arg-type]
        details=mapping(call, "details"),
    )
    return {"run": run_to_json(run)}


def get_monitor_run(call: Call) -> dict[str, Any]:
    """Get a monitoring run with its points (404 RESOURCE_DOES_NOT_EXIST if there is none)."""
    try:
        run = call.state.stores.monitoring.get_monitor_run(text(call, "run_id"))
    except NotFoundError:
        _require_visible(call, None)  # a guest learns nothing about unknown ids
        raise
    _require_visible(call, run.deployment)
    return {"run": run_to_json(run)}


def list_monitor_runs(call: Call) -> dict[str, Any]:
    """List a deployment's runs (window end in [since, until)), newest first, no points."""
    deployment = text(call, "deployment")
    _require_visible(call, deployment)
    page = call.state.stores.monitoring.list_monitor_runs(
        deployment,
        since=integer_arg(call, "since"),
        until=integer_arg(call, "until"),
        max_results=integer_or(call, "max_results", MONITOR_RUNS_MAX_RESULTS_DEFAULT),
        page_token=scalar(call, "page_token"),
    )
    return page_to_json("runs", [run_to_json(run) for run in page], page.next_page_token)


def get_series(call: Call) -> dict[str, Any]:
    """One metric of one column across a deployment's runs, oldest first."""
    deployment = text(call, "deployment")
    _require_visible(call, deployment)
    series = call.state.stores.monitoring.get_series(
        deployment,
        text(call, "column"),
        text(call, "metric"),
        since=integer_arg(call, "since"),
        until=integer_arg(call, "until"),
        model_version=integer_arg(call, "model_version"),
    )
    return {"series": [series_point_to_json(point) for point in series]}


def delete_monitor_runs(call: Call) -> dict[str, Any]:
    """Delete a deployment's runs whose window ended before ``before`` (retention)."""
    deleted = call.state.stores.monitoring.delete_monitor_runs(
        text(call, "deployment"), before=scalar(call, "before")
    )
    return {"deleted": deleted}


_READ = Permission.READ
_EDIT = Permission.EDIT
ENDPOINTS: list[Endpoint] = with_typed_errors(
    [
        endpoint("/monitoring/runs/record", "POST", record_monitor_run, _EDIT),
        endpoint("/monitoring/runs/get", "GET", get_monitor_run, _READ),
        endpoint("/monitoring/runs/list", "GET", list_monitor_runs, _READ),
        endpoint("/monitoring/series/get", "GET", get_series, _READ),
        endpoint("/monitoring/runs/delete", "POST", delete_monitor_runs, _EDIT),
    ]
)
