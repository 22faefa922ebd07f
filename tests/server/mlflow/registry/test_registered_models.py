"""MLflow's registered-model routes over HTTP: shapes, errors, rename, tags, search and paging."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.server.mlflow.registry.support import (
    all_pages,
    create_model,
    create_version,
    delete,
    error,
    get,
    ok,
    patch,
    post,
)


def test_create_and_get_registered_model_in_mlflow_shape(http: httpx.Client) -> None:
    created = create_model(
        http, "iris", description="flowers", tags=[{"key": "team", "value": "ml"}]
    )

    assert created["name"] == "iris"
    assert created["description"] == "flowers"
    assert created["tags"] == [{"key": "team", "value": "ml"}]
    assert created["aliases"] == []
    assert isinstance(created["creation_timestamp"], int)
    assert isinstance(created["last_updated_timestamp"], int)
    fetched = ok(get(http, "/registered-models/get", name="iris"))["registered_model"]
    assert fetched["name"] == "iris"
    assert fetched["tags"] == [{"key": "team", "value": "ml"}]
    assert fetched["latest_versions"] == []


def test_registry_routes_are_mirrored_under_ajax_api(http: httpx.Client) -> None:
    response = http.post("/ajax-api/2.0/mlflow/registered-models/create", json={"name": "m"})

    assert ok(response)["registered_model"]["name"] == "m"


def test_duplicate_model_is_resource_already_exists_400(http: httpx.Client) -> None:
    create_model(http, "dup")

    error(post(http, "/registered-models/create", {"name": "dup"}), 400, "RESOURCE_ALREADY_EXISTS")


def test_unknown_model_and_version_are_404(http: httpx.Client) -> None:
    error(get(http, "/registered-models/get", name="nope"), 404, "RESOURCE_DOES_NOT_EXIST")
    create_model(http, "m")
    error(get(http, "/model-versions/get", name="m", version="7"), 404, "RESOURCE_DOES_NOT_EXIST")
    error(
        post(http, "/model-versions/create", {"name": "nope", "source": "models:/m-abc"}),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )


def test_rename_update_and_delete_with_a_json_body(http: httpx.Client) -> None:
    create_model(http, "old")
    create_version(http, "old")

    renamed = ok(post(http, "/registered-models/rename", {"name": "old", "new_name": "new"}))
    updated = ok(patch(http, "/registered-models/update", {"name": "new", "description": "d"}))

    assert renamed["registered_model"]["name"] == "new"
    assert renamed["registered_model"]["latest_versions"][0]["version"] == "1"
    assert updated["registered_model"]["description"] == "d"
    error(get(http, "/registered-models/get", name="old"), 404, "RESOURCE_DOES_NOT_EXIST")
    assert ok(delete(http, "/registered-models/delete", {"name": "new"})) == {}
    error(get(http, "/registered-models/get", name="new"), 404, "RESOURCE_DOES_NOT_EXIST")


def test_rename_to_a_taken_name_is_400(http: httpx.Client) -> None:
    create_model(http, "a")
    create_model(http, "b")

    response = post(http, "/registered-models/rename", {"name": "a", "new_name": "b"})

    error(response, 400, "RESOURCE_ALREADY_EXISTS")


def test_registered_model_tags(http: httpx.Client) -> None:
    create_model(http, "m")

    assert (
        ok(post(http, "/registered-models/set-tag", {"name": "m", "key": "k", "value": "v"})) == {}
    )
    tags = ok(get(http, "/registered-models/get", name="m"))["registered_model"]["tags"]
    assert tags == [{"key": "k", "value": "v"}]
    assert ok(delete(http, "/registered-models/delete-tag", {"name": "m", "key": "k"})) == {}
    assert ok(get(http, "/registered-models/get", name="m"))["registered_model"]["tags"] == []
    missing = post(http, "/registered-models/set-tag", {"name": "m", "key": "k"})
    assert "'value'" in error(missing, 400, "INVALID_PARAMETER_VALUE")


def test_search_registered_models_filters_orders_and_pages(http: httpx.Client) -> None:
    for name in ["a1", "a2", "a3", "b1", "b2"]:
        create_model(http, name)
    post(http, "/registered-models/set-tag", {"name": "b2", "key": "k", "value": "v"})

    names = all_pages(
        http,
        "/registered-models/search",
        "registered_models",
        "name",
        max_results=2,
        order_by="name DESC",
    )

    assert names == ["b2", "b1", "a3", "a2", "a1"]
    liked = ok(get(http, "/registered-models/search", filter="name LIKE 'a%'"))
    assert [m["name"] for m in liked["registered_models"]] == ["a1", "a2", "a3"]
    assert "next_page_token" not in liked
    tagged = ok(get(http, "/registered-models/search", filter="tags.k = 'v'"))
    assert [m["name"] for m in tagged["registered_models"]] == ["b2"]


@pytest.mark.parametrize(
    "params",
    [
        {"filter": "name = 'a' OR name = 'b'"},
        {"filter": "nonsense"},
        {"max_results": 1001},
        {"max_results": "x"},
        {"page_token": "not-a-token"},
        {"order_by": "colour"},
    ],
)
def test_bad_registered_model_searches_are_400(http: httpx.Client, params: dict[str, Any]) -> None:
    error(get(http, "/registered-models/search", **params), 400, "INVALID_PARAMETER_VALUE")


def test_the_clients_prompt_exclusion_keeps_untagged_models(http: httpx.Client) -> None:
    create_model(http, "model")
    create_model(http, "prompt", tags=[{"key": "mlflow.prompt.is_prompt", "value": "true"}])
    exclusion = "tag.`mlflow.prompt.is_prompt` != 'true'"

    alone = ok(get(http, "/registered-models/search", filter=exclusion))
    combined = ok(get(http, "/registered-models/search", filter=f"name LIKE '%' AND {exclusion}"))

    assert [m["name"] for m in alone["registered_models"]] == ["model"]
    assert [m["name"] for m in combined["registered_models"]] == ["model"]
