"""MLflow's model-version routes over HTTP: shapes, stages, tags, aliases, latest versions,
search and paging."""

from __future__ import annotations

import httpx
from tests.server.mlflow.registry.support import (
    API,
    RUN_ID,
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


def test_model_version_shape_and_lifecycle(http: httpx.Client) -> None:
    create_model(http, "m")

    created = create_version(
        http,
        "m",
        run_id=RUN_ID,
        description="first",
        tags=[{"key": "stage", "value": "dev"}],
        run_link="http://example/run",
    )

    assert created["name"] == "m"
    assert created["version"] == "1"
    assert created["source"] == "mlflow-artifacts:/0/r/artifacts/model"
    assert created["run_id"] == RUN_ID
    assert created["status"] == "READY"
    assert created["current_stage"] == "None"
    assert created["description"] == "first"
    assert created["tags"] == [{"key": "stage", "value": "dev"}]
    assert created["aliases"] == []
    assert created["user_id"] == ""
    assert created["run_link"] == ""
    assert isinstance(created["creation_timestamp"], int)
    assert create_version(http, "m")["version"] == "2"
    fetched = ok(get(http, "/model-versions/get", name="m", version="1"))["model_version"]
    assert fetched == created
    updated = ok(
        patch(http, "/model-versions/update", {"name": "m", "version": "1", "description": "x"})
    )
    assert updated["model_version"]["description"] == "x"
    assert ok(delete(http, "/model-versions/delete", {"name": "m", "version": "1"})) == {}
    error(get(http, "/model-versions/get", name="m", version="1"), 404, "RESOURCE_DOES_NOT_EXIST")


def test_transition_stage_is_accepted_and_changes_nothing(http: httpx.Client) -> None:
    create_model(http, "m")
    create_version(http, "m")

    body = {"name": "m", "version": "1", "stage": "Production", "archive_existing_versions": True}
    moved = ok(post(http, "/model-versions/transition-stage", body))

    assert moved["model_version"]["current_stage"] == "None"
    assert moved["model_version"]["version"] == "1"
    bad = post(http, "/model-versions/transition-stage", {**body, "stage": "Nowhere"})
    error(bad, 400, "INVALID_PARAMETER_VALUE")


def test_model_version_tags(http: httpx.Client) -> None:
    create_model(http, "m")
    create_version(http, "m")
    key = {"name": "m", "version": "1", "key": "k"}

    assert ok(post(http, "/model-versions/set-tag", {**key, "value": "v"})) == {}
    fetched = ok(get(http, "/model-versions/get", name="m", version="1"))["model_version"]
    assert fetched["tags"] == [{"key": "k", "value": "v"}]
    assert ok(delete(http, "/model-versions/delete-tag", key)) == {}
    fetched = ok(get(http, "/model-versions/get", name="m", version="1"))["model_version"]
    assert fetched["tags"] == []


def test_aliases(http: httpx.Client) -> None:
    create_model(http, "m")
    create_version(http, "m")
    create_version(http, "m")

    assert (
        ok(
            post(
                http, "/registered-models/alias", {"name": "m", "alias": "champion", "version": "2"}
            )
        )
        == {}
    )

    model = ok(get(http, "/registered-models/get", name="m"))["registered_model"]
    assert model["aliases"] == [{"alias": "champion", "version": "2"}]
    by_alias = ok(get(http, "/registered-models/alias", name="m", alias="champion"))
    assert by_alias["model_version"]["version"] == "2"
    assert by_alias["model_version"]["aliases"] == ["champion"]
    version = ok(get(http, "/model-versions/get", name="m", version="2"))["model_version"]
    assert version["aliases"] == ["champion"]
    assert ok(delete(http, "/registered-models/alias", {"name": "m", "alias": "champion"})) == {}
    missing = get(http, "/registered-models/alias", name="m", alias="champion")
    error(missing, 400, "INVALID_PARAMETER_VALUE")
    assert ok(delete(http, "/registered-models/alias", {"name": "m", "alias": "champion"})) == {}


def test_alias_errors(http: httpx.Client) -> None:
    create_model(http, "m")
    create_version(http, "m")

    unknown_version = {"name": "m", "alias": "a", "version": "9"}
    error(post(http, "/registered-models/alias", unknown_version), 404, "RESOURCE_DOES_NOT_EXIST")
    reserved = {"name": "m", "alias": "latest", "version": "1"}
    error(post(http, "/registered-models/alias", reserved), 400, "INVALID_PARAMETER_VALUE")
    query_only = http.request(
        "DELETE", API + "/registered-models/alias", params={"name": "m", "alias": "a"}
    )
    assert error(query_only, 400, "INVALID_PARAMETER_VALUE") == (
        "Missing value for required parameter 'name'"
    )


def test_get_latest_versions_by_get_and_post_ignores_stages(http: httpx.Client) -> None:
    create_model(http, "m")
    create_model(http, "empty")
    create_version(http, "m")
    create_version(http, "m")

    by_post = ok(
        post(
            http, "/registered-models/get-latest-versions", {"name": "m", "stages": ["Production"]}
        )
    )
    by_get = ok(get(http, "/registered-models/get-latest-versions", name="m", stages="Staging"))

    assert [v["version"] for v in by_post["model_versions"]] == ["2"]
    assert by_get == by_post
    none = ok(post(http, "/registered-models/get-latest-versions", {"name": "empty"}))
    assert none["model_versions"] == []
    missing = post(http, "/registered-models/get-latest-versions", {"name": "nope"})
    error(missing, 404, "RESOURCE_DOES_NOT_EXIST")


def test_search_model_versions_filters_and_pages(http: httpx.Client) -> None:
    create_model(http, "m")
    create_model(http, "other")
    for _ in range(5):
        create_version(http, "m", run_id=RUN_ID)
    create_version(http, "other")

    versions = all_pages(
        http,
        "/model-versions/search",
        "model_versions",
        "version",
        filter="name = 'm'",
        max_results=2,
    )

    assert versions == ["5", "4", "3", "2", "1"]
    by_run = ok(get(http, "/model-versions/search", filter=f"run_id = '{RUN_ID}'"))
    assert {v["name"] for v in by_run["model_versions"]} == {"m"}
    everything = ok(get(http, "/model-versions/search"))["model_versions"]
    assert len(everything) == 6
    error(get(http, "/model-versions/search", max_results=200_001), 400, "INVALID_PARAMETER_VALUE")
    error(
        get(http, "/model-versions/search", filter="version_number = 'x'"),
        400,
        "INVALID_PARAMETER_VALUE",
    )
