"""``/api/v1/logged-models/*``: one endpoint per ``LoggedModelStore`` method (MLflow 3 models)."""

from __future__ import annotations

from typing import Any

from driftloop.errors import InvalidParameterError
from driftloop.server.api_v1 import codec
from driftloop.server.api_v1._args import destination, integer_or, mapping, scalar, text
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint
from driftloop.store.base import LOGGED_MODEL_MAX_RESULTS_DEFAULT

_DIRECTIONS = {"ASC": True, "DESC": False}


def _order_by(call: Call) -> list[tuple[str, bool]] | None:
    """order_by items "<field> [ASC|DESC]" as (field, ascending) pairs."""
    pairs = []
    for item in call.params.strings("order_by"):
        field, _, direction = item.strip().partition(" ")
        ascending = _DIRECTIONS.get(direction.strip().upper() or "ASC")
        if not field or ascending is None:
            raise InvalidParameterError(
                f"Invalid value for parameter 'order_by': {item!r} is not '<field> [ASC|DESC]'",
                field="order_by",
            )
        pairs.append((field, ascending))
    return pairs or None


def _answer(call: Call, model: Any) -> dict[str, Any]:
    return {"logged_model": codec.logged_model_to_json(model, destination(call))}


def create_logged_model(call: Call) -> dict[str, Any]:
    """Create a PENDING logged model in an experiment; its files go below the experiment."""
    model = call.state.stores.logged_models.create_logged_model(
        call.params.required_str("experiment_id"),
        name=scalar(call, "name"),
        model_type=scalar(call, "model_type"),
        source_run_id=call.params.string("source_run_id"),
        params=mapping(call, "params"),
        tags=mapping(call, "tags"),
    )
    return _answer(call, model)


def get_logged_model(call: Call) -> dict[str, Any]:
    """Get a logged model (404 also when it is deleted)."""
    return _answer(call, call.state.stores.logged_models.get_logged_model(text(call, "model_id")))


def finalize_logged_model(call: Call) -> dict[str, Any]:
    """Set a logged model's upload status to READY or UPLOAD_FAILED."""
    model = call.state.stores.logged_models.finalize_logged_model(
        text(call, "model_id"), scalar(call, "status", required=True)
    )
    return _answer(call, model)


def delete_logged_model(call: Call) -> dict[str, Any]:
    """Soft-delete a logged model; get and search no longer return it."""
    call.state.stores.logged_models.delete_logged_model(text(call, "model_id"))
    return {}


def set_logged_model_tags(call: Call) -> dict[str, Any]:
    """Set (or overwrite) tags of a logged model."""
    call.state.stores.logged_models.set_logged_model_tags(
        text(call, "model_id"), mapping(call, "tags") or {}
    )
    return {}


def delete_logged_model_tag(call: Call) -> dict[str, Any]:
    """Remove one tag of a logged model (404 if it is not set)."""
    call.state.stores.logged_models.delete_logged_model_tag(
        text(call, "model_id"), scalar(call, "key", required=True)
    )
    return {}


def log_logged_model_params(call: Call) -> dict[str, Any]:
    """Record params of a logged model; a param cannot change once logged."""
    call.state.stores.logged_models.log_logged_model_params(
        text(call, "model_id"), mapping(call, "params") or {}
    )
    return {}


def search_logged_models(call: Call) -> dict[str, Any]:
    """Search the active logged models of some experiments, one page at a time."""
    experiment_ids = call.params.strings("experiment_ids")
    visible = call.state.authorizer.visible_experiment_ids(call)
    if visible is not None:
        experiment_ids = [e for e in experiment_ids if e in visible]
    page = call.state.stores.logged_models.search_logged_models(
        experiment_ids,
        filter_string=call.params.string("filter"),
        max_results=integer_or(call, "max_results", LOGGED_MODEL_MAX_RESULTS_DEFAULT),
        order_by=_order_by(call),
        page_token=call.params.string("page_token"),
    )
    return codec.page_to_json(
        "logged_models",
        [codec.logged_model_to_json(m, destination(call)) for m in page],
        page.next_page_token,
    )


_E = Resource.EXPERIMENT
ENDPOINTS: list[Endpoint] = [
    endpoint("/logged-models/create", "POST", create_logged_model, Permission.EDIT, _E),
    endpoint("/logged-models/get", "GET", get_logged_model, Permission.READ),
    endpoint("/logged-models/finalize", "POST", finalize_logged_model, Permission.EDIT),
    endpoint("/logged-models/delete", "POST", delete_logged_model, Permission.EDIT),
    endpoint("/logged-models/set-tags", "POST", set_logged_model_tags, Permission.EDIT),
    endpoint("/logged-models/delete-tag", "POST", delete_logged_model_tag, Permission.EDIT),
    endpoint("/logged-models/log-params", "POST", log_logged_model_params, Permission.EDIT),
    endpoint("/logged-models/search", "GET", search_logged_models, Permission.READ),
]
