"""MLflow's run logging routes: metrics, params, batches, tags, inputs, outputs, log-model.

Params over 6000 characters are truncated here, silently, as MLflow's server does (the store
refuses them instead; see :mod:`driftloop.store.validation`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from driftloop.entities import Dataset, DatasetInput, Metric, Param, RunTag
from driftloop.errors import InvalidParameterError
from driftloop.server.mlflow_api._common import EMPTY, required_value, run_id
from driftloop.server.params import Params
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.store.validation import MAX_PARAM_VALUE_LENGTH

_BASE = "/mlflow/runs"
LOG_MODEL_HISTORY_TAG = "mlflow.log-model.history"


def truncate_param(value: str) -> str:
    """A param value cut to MLflow's 6000 characters."""
    return value[:MAX_PARAM_VALUE_LENGTH]


def metric_from_json(values: Mapping[str, Any], field: str | None) -> Metric:
    """A ``Metric`` message's JSON object as a :class:`Metric`.

    Raises:
        InvalidParameterError: A value is missing or of the wrong type; the message is
            prefixed with ``field`` (e.g. ``metrics``) when given, and names it.
    """
    # What every mlflow client sends: a non-empty key, a float value, integer timestamp and
    # step. Built at once (a 1,000-point batch spent 4 ms in the accessors below); any other
    # shape takes the validating path, which gives the same Metric or names the bad field.
    key, value, stamp, step = (
        values.get("key"),
        values.get("value"),
        values.get("timestamp"),
        values.get("step", 0),
    )
    if (
        type(key) is str
        and key
        and type(value) is float
        and type(stamp) is int
        and type(step) is int
    ):
        return Metric(key, value, stamp, step)
    params = Params(values)
    try:
        return Metric(
            key=params.required_str("key"),
            value=params.number("value", required=True) or 0.0,
            timestamp=params.integer("timestamp", required=True) or 0,
            step=params.integer("step", default=0) or 0,
        )
    except InvalidParameterError as error:
        if field is None:
            raise
        raise InvalidParameterError(f"{field}: {error.message}", field=field) from error


def _pair(values: Mapping[str, Any], field: str) -> tuple[str, str]:
    params = Params(values)
    try:
        key = params.required_str("key")
        value = params.string("value")
    except InvalidParameterError as error:
        raise InvalidParameterError(f"{field}: {error.message}", field=field) from error
    if value is None:
        raise InvalidParameterError(f"{field}: Missing value for 'value' of {key!r}", field=field)
    return key, value


def log_metric(call: Call) -> dict[str, Any]:
    """Log one metric point."""
    call.state.stores.runs.log_metric(run_id(call), metric_from_json(call.params.raw, None))
    return EMPTY


def log_param(call: Call) -> dict[str, Any]:
    """Log one param (values over 6000 characters are truncated)."""
    param = Param(call.params.required_str("key"), truncate_param(required_value(call, "value")))
    call.state.stores.runs.log_param(run_id(call), param)
    return EMPTY


def log_batch(call: Call) -> dict[str, Any]:
    """Log metrics, params and tags in one call (MLflow's limits apply)."""
    metrics = [metric_from_json(item, "metrics") for item in call.params.objects("metrics")]
    params = [
        Param(k, truncate_param(v)) for k, v in map(_params_pair, call.params.objects("params"))
    ]
    tags = [RunTag(*_pair(item, "tags")) for item in call.params.objects("tags")]
    call.state.stores.runs.log_batch(run_id(call), metrics, params, tags)
    return EMPTY


def _params_pair(values: Mapping[str, Any]) -> tuple[str, str]:
    return _pair(values, "params")


def set_tag(call: Call) -> dict[str, Any]:
    """Set a run tag."""
    tag = RunTag(call.params.required_str("key"), required_value(call, "value"))
    call.state.stores.runs.set_tag(run_id(call), tag)
    return EMPTY


def delete_tag(call: Call) -> dict[str, Any]:
    """Delete a run tag."""
    call.state.stores.runs.delete_tag(run_id(call), call.params.required_str("key"))
    return EMPTY


def _dataset_input(item: Mapping[str, Any]) -> DatasetInput:
    dataset = item.get("dataset")
    if not isinstance(dataset, dict):
        raise InvalidParameterError(
            "datasets: each item needs a 'dataset' object", field="datasets"
        )
    values = Params(dataset)
    tags = dict(_pair(tag, "datasets.tags") for tag in Params(item).objects("tags"))
    return DatasetInput(
        dataset=Dataset(
            name=values.required_str("name"),
            digest=values.required_str("digest"),
            source_type=values.string("source_type") or "",
            source=values.string("source") or "",
            schema=values.string("schema") or "",
            profile=values.string("profile") or "",
        ),
        tags=tags,
    )


def log_inputs(call: Call) -> dict[str, Any]:
    """Record the datasets a run used (model inputs are accepted and ignored)."""
    run = run_id(call)
    datasets = [_dataset_input(item) for item in call.params.objects("datasets")]
    call.params.objects("models")
    if datasets:
        call.state.stores.runs.log_inputs(run, datasets)
    else:
        call.state.stores.runs.get_run(run)
    return EMPTY


def log_outputs(call: Call) -> dict[str, Any]:
    """Accept a run's model outputs; driftloop links models to runs by ``source_run_id``."""
    call.params.objects("models")
    call.state.stores.runs.get_run(run_id(call))
    return EMPTY


def log_model(call: Call) -> dict[str, Any]:
    """Legacy log-model: append the MLmodel JSON to the run's log-model history tag."""
    run = run_id(call)
    text = call.params.required_str("model_json")
    try:
        model = json.loads(text)
    except ValueError as e:
        raise InvalidParameterError("model_json is not valid JSON", field="model_json") from e
    if not isinstance(model, dict):
        raise InvalidParameterError("model_json must be a JSON object", field="model_json")
    stores = call.state.stores
    history_text = stores.runs.get_run(run).data.tags.get(LOG_MODEL_HISTORY_TAG, "[]")
    try:
        history = json.loads(history_text)
    except ValueError:
        history = []
    history = [*history, model] if isinstance(history, list) else [model]
    stores.runs.set_tag(run, RunTag(LOG_MODEL_HISTORY_TAG, json.dumps(history)))
    return EMPTY


_EDIT, _RUN = Permission.EDIT, Resource.RUN

ENDPOINTS: list[Endpoint] = [
    endpoint(f"{_BASE}/log-metric", "POST", log_metric, _EDIT, _RUN),
    endpoint(f"{_BASE}/log-parameter", "POST", log_param, _EDIT, _RUN),
    endpoint(f"{_BASE}/log-batch", "POST", log_batch, _EDIT, _RUN),
    endpoint(f"{_BASE}/set-tag", "POST", set_tag, _EDIT, _RUN),
    endpoint(f"{_BASE}/delete-tag", "POST", delete_tag, _EDIT, _RUN),
    endpoint(f"{_BASE}/log-inputs", "POST", log_inputs, _EDIT, _RUN),
    endpoint(f"{_BASE}/outputs", "POST", log_outputs, _EDIT, _RUN),
    endpoint(f"{_BASE}/log-model", "POST", log_model, _EDIT, _RUN),
]
