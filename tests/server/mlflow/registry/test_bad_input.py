"""MLflow's registry routes over HTTP: malformed input and non-JSON bodies are 400s, never 500s."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.server.mlflow.registry.support import API, create_model, create_version, error, get, post


def test_missing_name_is_a_400_naming_the_field(http: httpx.Client) -> None:
    message = error(post(http, "/registered-models/create", {}), 400, "INVALID_PARAMETER_VALUE")

    assert message == "Missing value for required parameter 'name'"


def test_delete_without_a_body_is_missing_name(http: httpx.Client) -> None:
    create_model(http, "m")

    response = http.request("DELETE", API + "/registered-models/delete", params={"name": "m"})

    assert error(response, 400, "INVALID_PARAMETER_VALUE") == (
        "Missing value for required parameter 'name'"
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/registered-models/create", {"name": {"x": 1}}),
        ("POST", "/registered-models/create", {"name": "m", "tags": "k=v"}),
        ("POST", "/registered-models/create", {"name": "m", "tags": [{"key": 1}]}),
        ("POST", "/registered-models/create", {"name": "a/b"}),
        ("POST", "/registered-models/create", {"name": "x" * 300}),
        ("POST", "/model-versions/create", {"name": "m", "source": 5.5}),
        ("POST", "/model-versions/create", {"name": "m"}),
        ("POST", "/model-versions/create", {"name": "m", "source": "models:/m-1", "model_id": "x"}),
        (
            "POST",
            "/model-versions/create",
            {"name": "m", "source": "models:/m-1", "run_id": "r" * 99},
        ),
        (
            "POST",
            "/model-versions/create",
            {"name": "m", "source": "mlflow-artifacts:/" + "a" * 600},
        ),
        ("PATCH", "/model-versions/update", {"name": "m", "version": "abc"}),
        ("PATCH", "/model-versions/update", {"name": "m", "version": -1}),
        ("PATCH", "/model-versions/update", {"name": "m", "version": 2**40}),
        ("PATCH", "/model-versions/update", {"name": "m", "version": True}),
        ("POST", "/registered-models/alias", {"name": "m", "alias": "a b", "version": "1"}),
        ("POST", "/registered-models/alias", {"name": "m", "alias": "a", "version": "1.5"}),
        ("POST", "/model-versions/transition-stage", {"name": "m", "version": "1"}),
        ("POST", "/model-versions/set-tag", {"name": "m", "version": "1", "key": "", "value": ""}),
        ("DELETE", "/registered-models/delete-tag", {"name": "m"}),
        ("DELETE", "/model-versions/delete", {"name": "m", "version": None}),
        ("GET", "/model-versions/get", {"name": "m", "version": "\uff11"}),
        ("GET", "/model-versions/get-download-uri", {"name": "m"}),
        ("GET", "/registered-models/alias", {"name": "m", "alias": "../x"}),
        ("GET", "/model-versions/search", {"page_token": "eyJvZmZzZXQiOiAtMX0="}),
    ],
)
def test_malformed_input_is_a_400_never_a_500(
    http: httpx.Client, method: str, path: str, body: dict[str, Any]
) -> None:
    create_model(http, "m")
    create_version(http, "m")

    if method == "GET":
        response = http.get(API + path, params=body)
    else:
        response = http.request(method, API + path, json=body)

    error(response, 400, "INVALID_PARAMETER_VALUE")


def test_non_json_bodies_are_refused(http: httpx.Client) -> None:
    plain = http.post(
        API + "/registered-models/create",
        content=b'{"name": "m"}',
        headers={"content-type": "text/plain"},
    )
    broken = http.post(
        API + "/registered-models/create",
        content=b"{",
        headers={"content-type": "application/json"},
    )

    assert plain.status_code == 400
    assert broken.status_code == 400
    error(get(http, "/registered-models/get", name="m"), 404, "RESOURCE_DOES_NOT_EXIST")
