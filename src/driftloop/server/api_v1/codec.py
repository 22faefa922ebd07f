"""Entities to native JSON and back: the one wire format of ``/api/v1`` and the REST store.

Fields map 1:1 to the entity attributes: ids are strings, versions and event ids integers,
times milliseconds since the epoch, non-finite metric values the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"`` (as :mod:`driftloop.server.responses` writes them). The REST
store decodes with the same module.

Artifact locations that lie under the server's artifacts destination are shown to clients as
``mlflow-artifacts:/<relative path>`` (served by the artifact proxy, see
:mod:`driftloop.server.mlflow_api.artifact_uris`), everything else as is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from driftloop.entities import (
    Dataset,
    DatasetInput,
    Deployment,
    DeploymentMode,
    DeploymentState,
    Experiment,
    LifecycleStage,
    LoggedModel,
    LoggedModelStatus,
    Metric,
    ModelVersion,
    ModelVersionStatus,
    Page,
    RegisteredModel,
    RegistryEvent,
    RegistryEventType,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunStatus,
)
from driftloop.server.mlflow_api.artifact_uris import to_client_uri

JSON = dict[str, Any]
_SPECIAL_FLOATS = {"nan": math.nan, "infinity": math.inf, "-infinity": -math.inf}


# -- artifact locations ------------------------------------------------------------------


def to_proxy_uri(location: str, destination: str | None) -> str:
    """``location`` as ``mlflow-artifacts:/<rel>`` when it lies under ``destination``."""
    return location if destination is None else to_client_uri(location, destination)


# -- numbers -----------------------------------------------------------------------------


def decode_float(value: object) -> float:
    """A float from a JSON number or one of the strings ``NaN``/``Infinity``/``-Infinity``."""
    if isinstance(value, str):
        special = _SPECIAL_FLOATS.get(value.strip().lower())
        return special if special is not None else float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _optional_int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


# -- tracking ----------------------------------------------------------------------------


def experiment_to_json(experiment: Experiment, destination: str | None = None) -> JSON:
    """The JSON object of an experiment."""
    return {
        "experiment_id": experiment.experiment_id,
        "name": experiment.name,
        "artifact_location": to_proxy_uri(experiment.artifact_location, destination),
        "lifecycle_stage": str(experiment.lifecycle_stage),
        "creation_time": experiment.creation_time,
        "last_update_time": experiment.last_update_time,
        "tags": dict(experiment.tags),
    }


def experiment_from_json(data: Mapping[str, Any]) -> Experiment:
    """The experiment of :func:`experiment_to_json`'s object."""
    return Experiment(
        experiment_id=str(data["experiment_id"]),
        name=data["name"],
        artifact_location=data["artifact_location"],
        lifecycle_stage=LifecycleStage(data["lifecycle_stage"]),
        creation_time=int(data["creation_time"]),
        last_update_time=int(data["last_update_time"]),
        tags=dict(data.get("tags") or {}),
    )


def metric_to_json(metric: Metric) -> JSON:
    """The JSON object of a metric point (non-finite values are spelled by the encoder)."""
    return {
        "key": metric.key,
        "value": metric.value,
        "timestamp": metric.timestamp,
        "step": metric.step,
    }


def metric_from_json(data: Mapping[str, Any]) -> Metric:
    """The metric point of :func:`metric_to_json`'s object."""
    return Metric(
        key=data["key"],
        value=decode_float(data["value"]),
        timestamp=int(data["timestamp"]),
        step=int(data.get("step") or 0),
    )


def run_info_to_json(info: RunInfo, destination: str | None = None) -> JSON:
    """The JSON object of a run's info."""
    return {
        "run_id": info.run_id,
        "experiment_id": info.experiment_id,
        "run_name": info.run_name,
        "user_id": info.user_id,
        "status": str(info.status),
        "start_time": info.start_time,
        "end_time": info.end_time,
        "artifact_uri": to_proxy_uri(info.artifact_uri, destination),
        "lifecycle_stage": str(info.lifecycle_stage),
    }


def run_info_from_json(data: Mapping[str, Any]) -> RunInfo:
    """The run info of :func:`run_info_to_json`'s object."""
    return RunInfo(
        run_id=data["run_id"],
        experiment_id=str(data["experiment_id"]),
        run_name=data["run_name"],
        user_id=data["user_id"],
        status=RunStatus(data["status"]),
        start_time=int(data["start_time"]),
        end_time=_optional_int(data.get("end_time")),
        artifact_uri=data["artifact_uri"],
        lifecycle_stage=LifecycleStage(data["lifecycle_stage"]),
    )


def dataset_input_to_json(dataset_input: DatasetInput) -> JSON:
    """The JSON object of a dataset input."""
    dataset = dataset_input.dataset
    return {
        "dataset": {
            "name": dataset.name,
            "digest": dataset.digest,
            "source_type": dataset.source_type,
            "source": dataset.source,
            "schema": dataset.schema,
            "profile": dataset.profile,
        },
        "tags": dict(dataset_input.tags),
    }


def dataset_input_from_json(data: Mapping[str, Any]) -> DatasetInput:
    """The dataset input of :func:`dataset_input_to_json`'s object.

    Fields are passed through as sent so that the store, not the codec, validates them.
    """
    dataset = data["dataset"]
    return DatasetInput(
        dataset=Dataset(
            name=dataset.get("name"),
            digest=dataset.get("digest"),
            source_type=dataset.get("source_type", ""),
            source=dataset.get("source", ""),
            schema=dataset.get("schema", ""),
            profile=dataset.get("profile", ""),
        ),
        tags=data.get("tags") or {},
    )


def run_to_json(run: Run, destination: str | None = None) -> JSON:
    """The JSON object of a run: info, data (latest metrics, params, tags) and inputs."""
    return {
        "info": run_info_to_json(run.info, destination),
        "data": {
            "metrics": [metric_to_json(m) for m in run.data.latest_metrics.values()],
            "params": dict(run.data.params),
            "tags": dict(run.data.tags),
        },
        "inputs": {"dataset_inputs": [dataset_input_to_json(d) for d in run.inputs.dataset_inputs]},
    }


def run_from_json(data: Mapping[str, Any]) -> Run:
    """The run of :func:`run_to_json`'s object."""
    body = data.get("data") or {}
    metrics = [metric_from_json(m) for m in body.get("metrics") or []]
    inputs = (data.get("inputs") or {}).get("dataset_inputs") or []
    return Run(
        info=run_info_from_json(data["info"]),
        data=RunData(
            latest_metrics={m.key: m for m in metrics},
            params=dict(body.get("params") or {}),
            tags=dict(body.get("tags") or {}),
        ),
        inputs=RunInputs(tuple(dataset_input_from_json(d) for d in inputs)),
    )


def logged_model_to_json(model: LoggedModel, destination: str | None = None) -> JSON:
    """The JSON object of a logged model (MLflow 3)."""
    return {
        "model_id": model.model_id,
        "experiment_id": model.experiment_id,
        "name": model.name,
        "artifact_location": to_proxy_uri(model.artifact_location, destination),
        "creation_timestamp": model.creation_timestamp,
        "last_updated_timestamp": model.last_updated_timestamp,
        "status": str(model.status),
        "lifecycle_stage": str(model.lifecycle_stage),
        "model_type": model.model_type,
        "source_run_id": model.source_run_id,
        "status_message": model.status_message,
        "tags": dict(model.tags),
        "params": dict(model.params),
    }


def logged_model_from_json(data: Mapping[str, Any]) -> LoggedModel:
    """The logged model of :func:`logged_model_to_json`'s object."""
    return LoggedModel(
        model_id=data["model_id"],
        experiment_id=str(data["experiment_id"]),
        name=data["name"],
        artifact_location=data["artifact_location"],
        creation_timestamp=int(data["creation_timestamp"]),
        last_updated_timestamp=int(data["last_updated_timestamp"]),
        status=LoggedModelStatus(data["status"]),
        lifecycle_stage=LifecycleStage(data["lifecycle_stage"]),
        model_type=data.get("model_type"),
        source_run_id=data.get("source_run_id"),
        status_message=data.get("status_message"),
        tags=dict(data.get("tags") or {}),
        params=dict(data.get("params") or {}),
    )


# -- registry ----------------------------------------------------------------------------


def registered_model_to_json(model: RegisteredModel) -> JSON:
    """The JSON object of a registered model (aliases map to integer versions)."""
    return {
        "name": model.name,
        "creation_timestamp": model.creation_timestamp,
        "last_updated_timestamp": model.last_updated_timestamp,
        "description": model.description,
        "tags": dict(model.tags),
        "aliases": dict(model.aliases),
    }


def registered_model_from_json(data: Mapping[str, Any]) -> RegisteredModel:
    """The registered model of :func:`registered_model_to_json`'s object."""
    return RegisteredModel(
        name=data["name"],
        creation_timestamp=int(data["creation_timestamp"]),
        last_updated_timestamp=int(data["last_updated_timestamp"]),
        description=data.get("description"),
        tags=dict(data.get("tags") or {}),
        aliases={alias: int(v) for alias, v in (data.get("aliases") or {}).items()},
    )


def model_version_to_json(version: ModelVersion) -> JSON:
    """The JSON object of a model version."""
    return {
        "name": version.name,
        "version": version.version,
        "creation_timestamp": version.creation_timestamp,
        "last_updated_timestamp": version.last_updated_timestamp,
        "description": version.description,
        "source": version.source,
        "run_id": version.run_id,
        "status": str(version.status),
        "status_message": version.status_message,
        "tags": dict(version.tags),
        "aliases": list(version.aliases),
        "created_by": version.created_by,
    }


def model_version_from_json(data: Mapping[str, Any]) -> ModelVersion:
    """The model version of :func:`model_version_to_json`'s object."""
    return ModelVersion(
        name=data["name"],
        version=int(data["version"]),
        creation_timestamp=int(data["creation_timestamp"]),
        last_updated_timestamp=int(data["last_updated_timestamp"]),
        description=data.get("description"),
        source=data["source"],
        run_id=data.get("run_id"),
        status=ModelVersionStatus(data["status"]),
        status_message=data.get("status_message"),
        tags=dict(data.get("tags") or {}),
        aliases=tuple(data.get("aliases") or ()),
        created_by=data.get("created_by"),
    )


def event_to_json(event: RegistryEvent) -> JSON:
    """The JSON object of a registry event."""
    return {
        "event_id": event.event_id,
        "timestamp": event.timestamp,
        "actor": event.actor,
        "event_type": str(event.event_type),
        "model_name": event.model_name,
        "version": event.version,
        "alias": event.alias,
        "from_version": event.from_version,
        "to_version": event.to_version,
        "details": dict(event.details),
    }


def event_from_json(data: Mapping[str, Any]) -> RegistryEvent:
    """The registry event of :func:`event_to_json`'s object."""
    return RegistryEvent(
        event_id=int(data["event_id"]),
        timestamp=int(data["timestamp"]),
        actor=data["actor"],
        event_type=RegistryEventType(data["event_type"]),
        model_name=data["model_name"],
        version=_optional_int(data.get("version")),
        alias=data.get("alias"),
        from_version=_optional_int(data.get("from_version")),
        to_version=_optional_int(data.get("to_version")),
        details=dict(data.get("details") or {}),
    )


def page_to_json(key: str, items: list[JSON], next_page_token: str | None) -> JSON:
    """A page of results: ``{key: [...], "next_page_token": ...}``."""
    return {key: items, "next_page_token": next_page_token}


def page_from_json(data: Mapping[str, Any], key: str, decode: Any) -> Page[Any]:
    """The page of :func:`page_to_json`'s object, each item decoded by ``decode``."""
    return Page(tuple(decode(item) for item in data.get(key) or []), data.get("next_page_token"))


def deployment_to_json(deployment: Deployment) -> dict[str, Any]:
    """The native JSON of a deployment (fields as the entity's attributes)."""
    return {
        "name": deployment.name,
        "model_name": deployment.model_name,
        "champion_alias": deployment.champion_alias,
        "challenger_version": deployment.challenger_version,
        "mode": deployment.mode.value,
        "canary_fraction": deployment.canary_fraction,
        "state": deployment.state.value,
        "previous_champion_version": deployment.previous_champion_version,
        "revision": deployment.revision,
        "creation_timestamp": deployment.creation_timestamp,
        "last_updated_timestamp": deployment.last_updated_timestamp,
        "description": deployment.description,
    }


def deployment_from_json(data: Mapping[str, Any]) -> Deployment:
    """A deployment from its native JSON."""
    challenger = data.get("challenger_version")
    previous = data.get("previous_champion_version")
    return Deployment(
        name=str(data["name"]),
        model_name=str(data["model_name"]),
        champion_alias=str(data["champion_alias"]),
        challenger_version=None if challenger is None else int(challenger),
        mode=DeploymentMode(data["mode"]),
        canary_fraction=float(data["canary_fraction"]),
        state=DeploymentState(data["state"]),
        previous_champion_version=None if previous is None else int(previous),
        revision=int(data["revision"]),
        creation_timestamp=int(data["creation_timestamp"]),
        last_updated_timestamp=int(data["last_updated_timestamp"]),
        description=data.get("description"),
    )
