"""MLflow 3's logged-model routes: create, get, finalize, delete, search, tags, params, files."""

from __future__ import annotations

from typing import Any

from driftloop.entities import LoggedModelStatus
from driftloop.errors import InvalidParameterError
from driftloop.server.mlflow_api._common import EMPTY, destination, string_map, visible
from driftloop.server.mlflow_api.artifacts import list_under
from driftloop.server.mlflow_api.convert import logged_model_json
from driftloop.server.mlflow_api.run_logging import truncate_param
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.store.base import LOGGED_MODEL_MAX_RESULTS_DEFAULT

_BASE = "/mlflow/logged-models"


def _model_id(call: Call) -> str:
    value = call.request.path_params.get("model_id")
    return value if isinstance(value, str) else ""


def _model(call: Call, model_id: str) -> dict[str, Any]:
    model = call.state.stores.logged_models.get_logged_model(model_id)
    return {"model": logged_model_json(model, destination(call))}


def create_logged_model(call: Call) -> dict[str, Any]:
    """Create a pending logged model."""
    params = {k: truncate_param(v) for k, v in string_map(call, "params").items()}
    model = call.state.stores.logged_models.create_logged_model(
        call.params.required_str("experiment_id"),
        name=call.params.string("name") or None,
        model_type=call.params.string("model_type") or None,
        source_run_id=call.params.string("source_run_id") or None,
        params=params,
        tags=string_map(call, "tags"),
    )
    return {"model": logged_model_json(model, destination(call))}


def get_logged_model(call: Call) -> dict[str, Any]:
    """Get a logged model."""
    return _model(call, _model_id(call))


def finalize_logged_model(call: Call) -> dict[str, Any]:
    """Finalize the upload: status ``LOGGED_MODEL_READY`` or ``LOGGED_MODEL_UPLOAD_FAILED``."""
    name = call.params.required_str("status")
    by_number = {"2": "LOGGED_MODEL_READY", "3": "LOGGED_MODEL_UPLOAD_FAILED"}
    try:
        status = LoggedModelStatus(by_number.get(name, name))
    except ValueError as e:
        raise InvalidParameterError(
            f"Invalid value {name!r} for parameter 'status'", field="status"
        ) from e
    model = call.state.stores.logged_models.finalize_logged_model(_model_id(call), status)
    return {"model": logged_model_json(model, destination(call))}


def delete_logged_model(call: Call) -> dict[str, Any]:
    """Delete a logged model."""
    call.state.stores.logged_models.delete_logged_model(_model_id(call))
    return EMPTY


def _order_by(call: Call) -> list[tuple[str, bool]]:
    order = []
    for item in call.params.objects("order_by"):
        field = item.get("field_name")
        if not isinstance(field, str):
            raise InvalidParameterError("order_by items need a 'field_name'", field="order_by")
        order.append((field, item.get("ascending", True) is not False))
    return order


def search_logged_models(call: Call) -> dict[str, Any]:
    """Search logged models of some experiments."""
    experiment_ids = visible(call, call.params.strings("experiment_ids"))
    limit = call.params.integer("max_results", default=LOGGED_MODEL_MAX_RESULTS_DEFAULT)
    assert limit is not None  # noqa: S101 - defaulted
    page = call.state.stores.logged_models.search_logged_models(
        experiment_ids,
        filter_string=call.params.string("filter"),
        max_results=limit,
        order_by=_order_by(call),
        page_token=call.params.string("page_token"),
    )
    body: dict[str, Any] = {"models": [logged_model_json(m, destination(call)) for m in page]}
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body


def set_logged_model_tags(call: Call) -> dict[str, Any]:
    """Set tags on a logged model."""
    model_id = _model_id(call)
    call.state.stores.logged_models.set_logged_model_tags(model_id, string_map(call, "tags"))
    return _model(call, model_id)


def delete_logged_model_tag(call: Call) -> dict[str, Any]:
    """Delete one tag of a logged model."""
    key = call.request.path_params.get("tag_key", "")
    call.state.stores.logged_models.delete_logged_model_tag(_model_id(call), key)
    return EMPTY


def log_logged_model_params(call: Call) -> dict[str, Any]:
    """Log params of a logged model."""
    params = {k: truncate_param(v) for k, v in string_map(call, "params").items()}
    call.state.stores.logged_models.log_logged_model_params(_model_id(call), params)
    return EMPTY


def list_logged_model_artifacts(call: Call) -> dict[str, Any]:
    """List a logged model's files below ``artifact_directory_path``."""
    model = call.state.stores.logged_models.get_logged_model(_model_id(call))
    path = call.params.string("artifact_directory_path")
    return list_under(call, model.artifact_location, path, "model_id")


_READ, _EDIT = Permission.READ, Permission.EDIT
_ONE = f"{_BASE}/{{model_id}}"

ENDPOINTS: list[Endpoint] = [
    endpoint(_BASE, "POST", create_logged_model, _EDIT, Resource.EXPERIMENT),
    endpoint(f"{_BASE}/search", "POST", search_logged_models, _READ),
    endpoint(_ONE, "GET", get_logged_model, _READ),
    endpoint(_ONE, "PATCH", finalize_logged_model, _EDIT),
    endpoint(_ONE, "DELETE", delete_logged_model, _EDIT),
    endpoint(f"{_ONE}/tags", "PATCH", set_logged_model_tags, _EDIT),
    endpoint(f"{_ONE}/tags/{{tag_key}}", "DELETE", delete_logged_model_tag, _EDIT),
    endpoint(f"{_ONE}/params", "POST", log_logged_model_params, _EDIT),
    endpoint(f"{_ONE}/artifacts/directories", "GET", list_logged_model_artifacts, _READ),
]
