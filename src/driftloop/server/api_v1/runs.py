"""``/api/v1/runs/*`` and ``/api/v1/metrics/*``: one endpoint per ``RunStore`` method."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftloop.entities import Dataset, DatasetInput, Metric, Param, RunTag
from driftloop.errors import InvalidParameterError
from driftloop.server.api_v1 import codec
from driftloop.server.api_v1._args import destination, integer_arg, integer_or, mapping, scalar
from driftloop.server.api_v1.experiments import view_type
from driftloop.server.params import parse_float
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.store.base import SEARCH_MAX_RESULTS_DEFAULT

_SCALARS = (str, int, float, bool)
_SPECIAL_FLOATS = {"nan", "infinity", "-infinity", "inf"}


def _field(item: Mapping[str, Any], name: str, where: str, default: Any = None) -> Any:
    value = item.get(name, default)
    if value is not None and not isinstance(value, _SCALARS):
        raise InvalidParameterError(
            f"Invalid value for parameter '{where}.{name}': expected a scalar", field=where
        )
    return value


def _metric(item: Mapping[str, Any]) -> Metric:
    value = _field(item, "value", "metrics")
    if isinstance(value, str) and value.strip().lower() in _SPECIAL_FLOATS:
        value = parse_float(value, "metrics")
    return Metric(
        key=_field(item, "key", "metrics"),
        value=value,
        timestamp=_field(item, "timestamp", "metrics"),
        step=_field(item, "step", "metrics", 0),
    )


def _dataset_input(item: Mapping[str, Any]) -> DatasetInput:
    dataset = item.get("dataset")
    if not isinstance(dataset, Mapping):
        raise InvalidParameterError(
            "Invalid value for parameter 'datasets': each item needs a 'dataset' object",
            field="datasets",
        )
    tags = item.get("tags") or {}
    if not isinstance(tags, Mapping):
        raise InvalidParameterError(
            "Invalid value for parameter 'datasets.tags': expected an object",
            field="datasets.tags",
        )
    fields = {
        name: _field(dataset, name, "datasets", "")
        for name in ("name", "digest", "source_type", "source", "schema", "profile")
    }
    return DatasetInput(dataset=Dataset(**fields), tags=dict(tags))


def create_run(call: Call) -> dict[str, Any]:
    """Create a RUNNING run in an experiment; parent_run_id makes it a nested run."""
    run = call.state.stores.runs.create_run(
        call.params.required_str("experiment_id"),
        user_id=call.params.string("user_id", default="") or "",
        start_time=call.params.integer("start_time"),
        tags=mapping(call, "tags"),
        run_name=scalar(call, "run_name"),
        parent_run_id=call.params.string("parent_run_id"),
    )
    return {"run": codec.run_to_json(run, destination(call))}


def get_run(call: Call) -> dict[str, Any]:
    """Get a run with its latest metrics, params, tags and dataset inputs."""
    run = call.state.stores.runs.get_run(call.params.required_str("run_id"))
    return {"run": codec.run_to_json(run, destination(call))}


def update_run(call: Call) -> dict[str, Any]:
    """Update a run's status, end time and/or name; absent fields stay unchanged."""
    info = call.state.stores.runs.update_run_info(
        call.params.required_str("run_id"),
        status=scalar(call, "status"),
        end_time=call.params.integer("end_time"),
        run_name=scalar(call, "run_name"),
    )
    return {"run_info": codec.run_info_to_json(info, destination(call))}


def delete_run(call: Call) -> dict[str, Any]:
    """Soft-delete a run; restorable with /runs/restore."""
    call.state.stores.runs.delete_run(call.params.required_str("run_id"))
    return {}


def restore_run(call: Call) -> dict[str, Any]:
    """Restore a soft-deleted run."""
    call.state.stores.runs.restore_run(call.params.required_str("run_id"))
    return {}


def log_batch(call: Call) -> dict[str, Any]:
    """Log metrics, params and tags to a run in one transaction (all or nothing)."""
    call.state.stores.runs.log_batch(
        call.params.required_str("run_id"),
        metrics=[_metric(item) for item in call.params.objects("metrics")],
        params=[
            Param(_field(p, "key", "params"), _field(p, "value", "params"))
            for p in call.params.objects("params")
        ],
        tags=[
            RunTag(_field(t, "key", "tags"), _field(t, "value", "tags"))
            for t in call.params.objects("tags")
        ],
    )
    return {}


def delete_tag(call: Call) -> dict[str, Any]:
    """Remove a run tag (404 RESOURCE_DOES_NOT_EXIST if it is not set)."""
    call.state.stores.runs.delete_tag(
        call.params.required_str("run_id"), scalar(call, "key", required=True)
    )
    return {}


def log_inputs(call: Call) -> dict[str, Any]:
    """Record the datasets a run used; the same (name, digest) is stored once."""
    call.state.stores.runs.log_inputs(
        call.params.required_str("run_id"),
        [_dataset_input(item) for item in call.params.objects("datasets")],
    )
    return {}


def get_metric_history(call: Call) -> dict[str, Any]:
    """Get every point of one metric of a run, by (step, timestamp), one page at a time."""
    page = call.state.stores.runs.get_metric_history(
        call.params.required_str("run_id"),
        call.params.required_str("key"),
        max_results=integer_arg(call, "max_results"),
        page_token=call.params.string("page_token"),
    )
    return codec.page_to_json(
        "metrics", [codec.metric_to_json(m) for m in page], page.next_page_token
    )


def search_runs(call: Call) -> dict[str, Any]:
    """Search the runs of some experiments with MLflow's filter grammar, one page at a time."""
    experiment_ids = call.params.strings("experiment_ids")
    visible = call.state.authorizer.visible_experiment_ids(call)
    if visible is not None:
        experiment_ids = [e for e in experiment_ids if e in visible]
    page = call.state.stores.runs.search_runs(
        experiment_ids,
        filter_string=call.params.string("filter", default="") or "",
        view_type=view_type(call),
        max_results=integer_or(call, "max_results", SEARCH_MAX_RESULTS_DEFAULT),
        order_by=call.params.strings("order_by") or None,
        page_token=call.params.string("page_token"),
    )
    return codec.page_to_json(
        "runs", [codec.run_to_json(r, destination(call)) for r in page], page.next_page_token
    )


_R = Resource.RUN
ENDPOINTS: list[Endpoint] = [
    endpoint("/runs/create", "POST", create_run, Permission.EDIT, Resource.EXPERIMENT),
    endpoint("/runs/get", "GET", get_run, Permission.READ, _R),
    endpoint("/runs/update", "POST", update_run, Permission.EDIT, _R),
    endpoint("/runs/delete", "POST", delete_run, Permission.EDIT, _R),
    endpoint("/runs/restore", "POST", restore_run, Permission.EDIT, _R),
    endpoint("/runs/log-batch", "POST", log_batch, Permission.EDIT, _R),
    endpoint("/runs/delete-tag", "POST", delete_tag, Permission.EDIT, _R),
    endpoint("/runs/log-inputs", "POST", log_inputs, Permission.EDIT, _R),
    endpoint("/runs/search", "GET", search_runs, Permission.READ),
    endpoint("/metrics/get-history", "GET", get_metric_history, Permission.READ, _R),
]
