"""What the registry routes share: MLflow's JSON shapes, request parsing and the source gate.

A model version's ``source`` is where the server will later read the model from, so it is the
field behind MLflow's path-traversal CVEs (CVE-2023-1177, CVE-2023-6909, CVE-2023-6977,
CVE-2026-2614 ...). :func:`store_source` accepts only URIs of the artifact store this server
manages and refuses everything else rather than repairing it.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, Final

from starlette.concurrency import run_in_threadpool

from driftloop.artifacts.paths import validate_artifact_path
from driftloop.entities import ModelVersion, RegisteredModel
from driftloop.errors import ArtifactPathError, InvalidParameterError, NotFoundError
from driftloop.server.mlflow_api.artifact_uris import to_client_uri
from driftloop.server.params import Params
from driftloop.server.routing import Call, Handler

MLFLOW_ARTIFACTS_SCHEME: Final = "mlflow-artifacts:"
_LOGGED_MODEL_SOURCE: Final = re.compile(r"models:/(m-[0-9a-f]{1,64})")
_RUNS_SOURCE: Final = re.compile(r"runs:/([0-9A-Za-z_-]{1,64})(?:/(.*))?", re.DOTALL)
_INTEGER: Final = re.compile(r"-?[0-9]{1,18}")
_LOGGED_MODEL_ID: Final = re.compile(r"m-[0-9a-f]{1,64}")
#: MLflow's stages are deprecated; every version is reported in the "None" stage.
NO_STAGE: Final = "None"
_PROMPT_TAG: Final = "mlflow.prompt.is_prompt"
_PROMPT_EXCLUSION: Final = re.compile(
    r"(?:^|\s+and\s+)\s*tags?\.`mlflow\.prompt\.is_prompt`\s*!=\s*'true'\s*$", re.IGNORECASE
)
_STAGES: Final = frozenset({"none", "staging", "production", "archived"})


def blocking(function: Callable[[Call], dict[str, Any]]) -> Handler:
    """Run a handler that calls the (synchronous) stores in a worker thread."""

    @functools.wraps(function)
    async def handler(call: Call) -> dict[str, Any]:
        return await run_in_threadpool(function, _body_only(call))

    return handler


def _body_only(call: Call) -> Call:
    """MLflow reads POST, PATCH and DELETE parameters from the JSON body only.

    Parameters of a body-less request are otherwise taken from the query string; MLflow
    answers such a ``DELETE ...?name=m`` with "Missing value for required parameter 'name'".
    """
    query = call.request.query_params
    if call.request.method in {"GET", "HEAD"} or not query or call.params.raw != dict(query):
        return call
    return dataclasses.replace(call, params=Params({}))


def actor(call: Call) -> str | None:
    """Who the event log records: the caller, or None for the store's default."""
    return call.principal


def version_param(call: Call, name: str = "version") -> int:
    """The required version number (MLflow sends it as a string of ASCII digits)."""
    text = call.params.required_str(name).strip()
    if not _INTEGER.fullmatch(text):
        raise InvalidParameterError(
            f"Invalid value for parameter '{name}': expected an integer, got {text[:50]!r}",
            field=name,
        )
    return int(text)


def tags_param(call: Call) -> dict[str, str]:
    """``tags: [{key, value}]`` as a mapping; later duplicates win, as in MLflow."""
    tags: dict[str, str] = {}
    for tag in call.params.objects("tags"):
        key, value = tag.get("key"), tag.get("value", "")
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidParameterError(
                "Invalid value for parameter 'tags': each tag needs a string 'key' and 'value'",
                field="tags",
            )
        tags[key] = value
    return tags


def tag_value_param(call: Call) -> str:
    """The ``value`` of a set-tag call: required, but may be empty."""
    if not call.params.has("value"):
        raise InvalidParameterError("Missing value for required parameter 'value'", field="value")
    return call.params.string("value") or ""


def stage_param(call: Call) -> None:
    """Check a transition's ``stage`` (accepted and ignored: stages are deprecated)."""
    stage = call.params.required_str("stage")
    if stage.lower() not in _STAGES:
        raise InvalidParameterError(
            f"Invalid Model Version stage: {stage}. "
            "Value must be one of None, Staging, Production, Archived.",
            field="stage",
        )
    call.params.boolean("archive_existing_versions")


def visible_filter(call: Call, filter_string: str | None) -> str | None:
    """The search filter narrowed to the models the caller may read.

    The restriction is one more ``AND name IN (...)`` clause, so the store's ordering and
    page tokens stay right. A caller who may read nothing gets ``name IN ('/')``: model names
    cannot hold ``/``, so nothing matches while the caller's own filter is still checked.
    """
    names = call.state.authorizer.visible_model_names(call)
    if names is None:
        return filter_string
    quoted = ", ".join(_quote(name) for name in sorted(names)) or "'/'"
    clause = f"name IN ({quoted})"
    return f"{filter_string} AND {clause}" if filter_string and filter_string.strip() else clause


def without_prompts(call: Call, filter_string: str | None) -> str | None:
    """Honour the prompt exclusion the MLflow client appends to model searches.

    The client adds ``tag.`mlflow.prompt.is_prompt` != 'true'``, meant to keep models that
    lack the tag; in the store's grammar a missing tag never matches ``!=``. The clause is
    replaced by ``name NOT IN (<the models tagged as prompts>)``.
    """
    if not filter_string:
        return filter_string
    match = _PROMPT_EXCLUSION.search(filter_string)
    if match is None:
        return filter_string
    rest = filter_string[: match.start()]
    prompts: list[str] = []
    token: str | None = None
    while True:
        page = call.state.stores.registry.search_registered_models(
            filter_string=f"tags.`{_PROMPT_TAG}` = 'true'", max_results=1000, page_token=token
        )
        prompts += [model.name for model in page]
        token = page.next_page_token
        if not token:
            break
    if not prompts:
        return rest or None
    clause = f"name NOT IN ({', '.join(_quote(name) for name in prompts)})"
    return f"{rest} AND {clause}" if rest.strip() else clause


def check_visible(call: Call, name: str) -> None:
    """Answer a hidden model as a missing one, so its existence does not leak."""
    names = call.state.authorizer.visible_model_names(call)
    if names is not None and name not in names:
        raise NotFoundError(f"Registered Model with name={name} not found", field="name")


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def store_source(call: Call, source: str) -> str:
    """Check a model version ``source`` and return what to store.

    Accepted: ``models:/m-<hex>`` (a logged model), ``runs:/<run_id>/<path>`` (stored as
    given), ``mlflow-artifacts:/<path>`` (stored as the real URI under the server's artifact
    destination) and URIs under that destination. Paths are refused, not repaired, when they
    hold ``..``, encoded dots, backslashes, ``#``, ``?``, empty segments or a drive.

    Raises:
        InvalidParameterError: Anything else (local paths, ``file:``, other schemes); the
            error names ``source``.
    """
    if _LOGGED_MODEL_SOURCE.fullmatch(source):
        return source
    runs = _RUNS_SOURCE.fullmatch(source)
    if runs:
        if runs.group(2):
            _relative(runs.group(2), source)
        return source
    destination = _destination(call)
    if source.startswith(MLFLOW_ARTIFACTS_SCHEME):
        path = source.removeprefix(MLFLOW_ARTIFACTS_SCHEME)
        if path.startswith("/") and not path.startswith("//"):
            return f"{destination}/{_relative(path[1:], source)}"
    elif source.startswith(destination + "/"):
        return f"{destination}/{_relative(source.removeprefix(destination + '/'), source)}"
    raise InvalidParameterError(
        f"Invalid model version source {source!r}: 'source' must be a URI of this server's "
        "artifact store (models:/m-<id>, runs:/<run_id>/<path> or mlflow-artifacts:/<path>), "
        "not a local path or another location",
        field="source",
    )


def public_uri(call: Call, uri: str) -> str:
    """A stored URI as clients see it: under the destination → ``mlflow-artifacts:/...``."""
    return to_client_uri(uri, call.state.config.artifacts_destination)


def check_model_id(call: Call, source: str) -> None:
    """Check the optional ``model_id``: a logged model id, the one ``source`` names if any."""
    given = call.params.string("model_id")
    if not given:
        return
    if not _LOGGED_MODEL_ID.fullmatch(given):
        raise InvalidParameterError(f"Invalid model_id {given!r}", field="model_id")
    match = _LOGGED_MODEL_SOURCE.fullmatch(source)
    if match and match.group(1) != given:
        raise InvalidParameterError(
            f"model_id {given!r} does not match the source {source!r}", field="model_id"
        )


def _destination(call: Call) -> str:
    return call.state.config.artifacts_destination.rstrip("/")


def _relative(path: str, source: str) -> str:
    try:
        normalized = validate_artifact_path(path, field="source")
    except ArtifactPathError as error:
        raise InvalidParameterError(
            f"Invalid model version source {source!r}: {error.message}", field="source"
        ) from error
    if not normalized or normalized != path.removesuffix("/"):
        raise InvalidParameterError(
            f"Invalid model version source {source!r}: the path must be non-empty and "
            "normalized (no empty or '.' segments)",
            field="source",
        )
    return normalized


def tags_json(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """MLflow's ``[{key, value}]`` tag list."""
    return [{"key": key, "value": value} for key, value in sorted(tags.items())]


def version_json(call: Call, version: ModelVersion) -> dict[str, Any]:
    """A model version in MLflow's JSON shape (version as a string, stage "None")."""
    body: dict[str, Any] = {
        "name": version.name,
        "version": str(version.version),
        "creation_timestamp": version.creation_timestamp,
        "last_updated_timestamp": version.last_updated_timestamp,
        "user_id": version.created_by or "",
        "current_stage": NO_STAGE,
        "source": public_uri(call, version.source),
        "status": str(version.status),
        "tags": tags_json(version.tags),
        "run_link": "",
        "aliases": sorted(version.aliases),
    }
    optional = {
        "description": version.description,
        "run_id": version.run_id,
        "status_message": version.status_message,
        "model_id": _source_model_id(version.source),
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    return body


def model_json(
    call: Call, model: RegisteredModel, latest: Collection[ModelVersion] = ()
) -> dict[str, Any]:
    """A registered model in MLflow's JSON shape (aliases as ``[{alias, version}]``)."""
    body: dict[str, Any] = {
        "name": model.name,
        "creation_timestamp": model.creation_timestamp,
        "last_updated_timestamp": model.last_updated_timestamp,
        "user_id": "",
        "tags": tags_json(model.tags),
        "aliases": [
            {"alias": alias, "version": str(number)}
            for alias, number in sorted(model.aliases.items())
        ],
        "latest_versions": [version_json(call, version) for version in latest],
    }
    if model.description is not None:
        body["description"] = model.description
    return body


def _source_model_id(source: str) -> str | None:
    match = _LOGGED_MODEL_SOURCE.fullmatch(source)
    return match.group(1) if match else None
