"""Bad input to ``/api/v1`` answers 4xx with an error code (and the field), never 500."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from driftloop.server.api_v1 import registry, tracking

POST_PATHS = sorted(
    "/api/v1" + e.path for e in [*tracking.ENDPOINTS, *registry.ENDPOINTS] if "POST" in e.methods
)
GET_PATHS = sorted(
    "/api/v1" + e.path for e in [*tracking.ENDPOINTS, *registry.ENDPOINTS] if "GET" in e.methods
)
FIELDS = (
    "name",
    "new_name",
    "experiment_id",
    "run_id",
    "model_id",
    "key",
    "value",
    "tags",
    "params",
    "metrics",
    "datasets",
    "artifact_location",
    "user_id",
    "start_time",
    "end_time",
    "status",
    "status_message",
    "run_name",
    "parent_run_id",
    "description",
    "alias",
    "version",
    "source",
    "run_id",
    "model_type",
    "source_run_id",
    "actor",
)
JUNK: tuple[Any, ...] = ([1], {"a": {"b": 1}}, True, 1e300, "")


def _assert_client_error(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    body = response.json()
    assert body["error_code"]
    assert body["message"]


def _assert_no_server_error(response: httpx.Response) -> None:
    """Junk may happen to be valid (a 300-character run name); it must never be a 5xx."""
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400:
        _assert_client_error(response)


@pytest.mark.parametrize("path", POST_PATHS)
def test_post_with_junk_fields_is_never_a_server_error(http: httpx.Client, path: str) -> None:
    _assert_client_error(http.post(path, json={}))
    for junk in JUNK:
        for field in FIELDS:
            _assert_no_server_error(http.post(path, json={field: junk}))
        _assert_no_server_error(http.post(path, json=dict.fromkeys(FIELDS, junk)))


@pytest.mark.parametrize("path", GET_PATHS)
def test_get_with_junk_query_is_never_a_server_error(http: httpx.Client, path: str) -> None:
    for junk in ("", "abc", "-1", "1.5", "NaN", "0"):
        params = dict.fromkeys(
            ("max_results", "version", "after_event_id", "view_type", "page_token"), junk
        )
        params |= {"name": "m", "run_id": "r", "model_id": "x", "key": "k", "alias": "a"}
        _assert_no_server_error(http.get(path, params=params))


def test_nested_items_of_lists_are_checked(http: httpx.Client) -> None:
    name = f"nested-{uuid.uuid4().hex}"
    experiment_id = http.post("/api/v1/experiments/create", json={"name": name}).json()[
        "experiment_id"
    ]
    run_id = http.post("/api/v1/runs/create", json={"experiment_id": experiment_id}).json()["run"][
        "info"
    ]["run_id"]
    bad_batches: list[dict[str, Any]] = [
        {"metrics": [{"key": "m", "value": "abc", "timestamp": 1}]},
        {"metrics": [{"key": "m", "value": [1], "timestamp": 1}]},
        {"metrics": [{"key": "m", "value": 1, "timestamp": "now"}]},
        {"metrics": [{"key": "m", "value": 1}]},
        {"metrics": [1]},
        {"params": [{"key": "p"}]},
        {"params": [{"key": {"x": 1}, "value": "v"}]},
        {"tags": [{"key": "t", "value": None}]},
    ]
    for batch in bad_batches:
        response = http.post("/api/v1/runs/log-batch", json={"run_id": run_id, **batch})
        _assert_client_error(response)
    bad_inputs: list[Any] = [
        [{"dataset": "x"}],
        [{"dataset": {"name": "d"}}],
        [{"dataset": {"name": "d", "digest": "1"}, "tags": [1]}],
        [{"dataset": {"name": "d", "digest": "1"}, "tags": {"k": [1]}}],
        ["x"],
    ]
    for datasets in bad_inputs:
        response = http.post(
            "/api/v1/runs/log-inputs", json={"run_id": run_id, "datasets": datasets}
        )
        _assert_client_error(response)


def test_malformed_json_names_the_body(http: httpx.Client) -> None:
    response = http.post(
        "/api/v1/experiments/create",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["field"] == "body"


def test_missing_required_field_is_named(http: httpx.Client) -> None:
    response = http.get("/api/v1/runs/get")
    assert response.status_code == 400
    assert response.json()["field"] == "run_id"


def test_store_errors_keep_code_field_and_class(http: httpx.Client) -> None:
    response = http.get("/api/v1/registry/models/get", params={"name": "missing-model"})
    assert response.status_code == 404
    body = response.json()
    assert body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert body["error_type"] == "RegisteredModelNotFoundError"
    response = http.post("/api/v1/registry/models/create", json={"name": "a/b"})
    assert response.status_code == 400
    assert response.json()["field"] == "name"
