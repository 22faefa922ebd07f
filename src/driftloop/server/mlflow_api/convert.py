"""Entities to MLflow's JSON: ids as strings, times in milliseconds, enums by name.

Artifact URIs go out as ``mlflow-artifacts:/...`` (see :mod:`.artifact_uris`), so the functions
that emit one take the server's artifacts destination.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from driftloop.entities import (
    DatasetInput,
    Experiment,
    FileInfo,
    LoggedModel,
    Metric,
    Run,
    RunInfo,
)
from driftloop.server.mlflow_api.artifact_uris import to_client_uri
from driftloop.store.sql.run_records import RunRecord

JsonObject = dict[str, Any]


def key_values(values: Mapping[str, str]) -> list[JsonObject]:
    """``[{"key", "value"}]`` in key order (MLflow's tag and param lists)."""
    return [{"key": key, "value": value} for key, value in sorted(values.items())]


def experiment_json(experiment: Experiment, destination: str) -> JsonObject:
    """An ``Experiment`` message."""
    return {
        "experiment_id": experiment.experiment_id,
        "name": experiment.name,
        "artifact_location": to_client_uri(experiment.artifact_location, destination),
        "lifecycle_stage": experiment.lifecycle_stage.value,
        "creation_time": experiment.creation_time,
        "last_update_time": experiment.last_update_time,
        "tags": key_values(experiment.tags),
    }


def run_info_json(info: RunInfo, destination: str) -> JsonObject:
    """A ``RunInfo`` message, with the legacy ``run_uuid`` beside ``run_id``."""
    data: JsonObject = {
        "run_id": info.run_id,
        "run_uuid": info.run_id,
        "run_name": info.run_name,
        "experiment_id": info.experiment_id,
        "user_id": info.user_id,
        "status": info.status.value,
        "start_time": info.start_time,
        "artifact_uri": to_client_uri(info.artifact_uri, destination),
        "lifecycle_stage": info.lifecycle_stage.value,
    }
    if info.end_time is not None:
        data["end_time"] = info.end_time
    return data


def metric_json(metric: Metric) -> JsonObject:
    """A ``Metric`` message (NaN stays a float; the response encoder spells it)."""
    return {
        "key": metric.key,
        "value": metric.value,
        "timestamp": metric.timestamp,
        "step": metric.step,
    }


def dataset_input_json(dataset_input: DatasetInput) -> JsonObject:
    """A ``DatasetInput`` message."""
    dataset = dataset_input.dataset
    body: JsonObject = {"name": dataset.name, "digest": dataset.digest}
    for name, value in (
        ("source_type", dataset.source_type),
        ("source", dataset.source),
        ("schema", dataset.schema),
        ("profile", dataset.profile),
    ):
        if value:
            body[name] = value
    return {"tags": key_values(dataset_input.tags), "dataset": body}


def run_json(run: Run, destination: str) -> JsonObject:
    """A ``Run`` message: info, data (latest metrics, params, tags) and inputs."""
    return {
        "info": run_info_json(run.info, destination),
        "data": {
            "metrics": [
                metric_json(run.data.latest_metrics[k]) for k in sorted(run.data.latest_metrics)
            ],
            "params": key_values(run.data.params),
            "tags": key_values(run.data.tags),
        },
        "inputs": {
            "dataset_inputs": [dataset_input_json(item) for item in run.inputs.dataset_inputs]
        },
    }


def run_record_json(record: RunRecord, destination: str) -> JsonObject:
    """The ``Run`` message of a search record: what :func:`run_json` gives for its entity.

    Built from the stored row and data as they are (status and stage are stored by their
    MLflow names), without the entities in between: at 1,000 runs a page this halves the
    server's CPU per search.
    """
    run_id, experiment_key, name, user_id, status, start, end, artifact_uri, stage, *_ = record.row
    info: JsonObject = {
        "run_id": run_id,
        "run_uuid": run_id,
        "run_name": name,
        "experiment_id": str(experiment_key),
        "user_id": user_id,
        "status": status,
        "start_time": start,
        "artifact_uri": to_client_uri(artifact_uri, destination),
        "lifecycle_stage": stage,
    }
    if end is not None:
        info["end_time"] = end
    return {
        "info": info,
        "data": {
            "metrics": [
                {"key": key, "value": value, "timestamp": stamp, "step": step}
                for key, (value, stamp, step) in sorted(record.metrics.items())
            ],
            "params": [{"key": k, "value": v} for k, v in sorted(record.params.items())],
            "tags": [{"key": k, "value": v} for k, v in sorted(record.tags.items())],
        },
        "inputs": {"dataset_inputs": [dataset_input_json(item) for item in record.inputs]},
    }


def file_info_json(info: FileInfo, relative_to: str = "") -> JsonObject:
    """A ``FileInfo`` message; ``path`` made relative to ``relative_to``."""
    path = info.path
    if relative_to and path.startswith(relative_to.rstrip("/") + "/"):
        path = path[len(relative_to.rstrip("/")) + 1 :]
    data: JsonObject = {"path": path, "is_dir": info.is_dir}
    if info.file_size is not None:
        data["file_size"] = info.file_size
    return data


def logged_model_json(model: LoggedModel, destination: str) -> JsonObject:
    """A ``LoggedModel`` message: ``info`` and ``data`` (params; metrics are not stored)."""
    info: JsonObject = {
        "model_id": model.model_id,
        "experiment_id": model.experiment_id,
        "name": model.name,
        "artifact_uri": to_client_uri(model.artifact_location, destination),
        "creation_timestamp_ms": model.creation_timestamp,
        "last_updated_timestamp_ms": model.last_updated_timestamp,
        "status": model.status.value,
        "tags": key_values(model.tags),
    }
    for name, value in (
        ("model_type", model.model_type),
        ("source_run_id", model.source_run_id),
        ("status_message", model.status_message),
    ):
        if value is not None:
            info[name] = value
    return {"info": info, "data": {"params": key_values(model.params), "metrics": []}}
