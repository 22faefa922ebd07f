"""MLflow's registry routes over HTTP: shapes, errors, source validation, paging, visibility."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from driftloop.server.app import create_app
from driftloop.server.config import ServerConfig
from driftloop.server.routing import Call, Endpoint
from driftloop.store.sql import open_sql_stores
from driftloop.testing.live_server import free_port

API = "/api/2.0/mlflow"
RUN_ID = "0123456789abcdef0123456789abcdef"


def post(http: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    return http.post(API + path, json=body)


def patch(http: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    return http.patch(API + path, json=body)


def delete(http: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    return http.request("DELETE", API + path, json=body)


def get(http: httpx.Client, path: str, **params: Any) -> httpx.Response:
    return http.get(API + path, params=params)


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code
    message: str = body["message"]
    return message


def create_model(http: httpx.Client, name: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = ok(post(http, "/registered-models/create", {"name": name, **extra}))
    return body["registered_model"]


def create_version(
    http: httpx.Client,
    name: str,
    source: str = "mlflow-artifacts:/0/r/artifacts/model",
    **extra: Any,
) -> dict[str, Any]:
    body = ok(post(http, "/model-versions/create", {"name": name, "source": source, **extra}))
    version: dict[str, Any] = body["model_version"]
    return version


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


def test_missing_name_is_a_400_naming_the_field(http: httpx.Client) -> None:
    message = error(post(http, "/registered-models/create", {}), 400, "INVALID_PARAMETER_VALUE")

    assert message == "Missing value for required parameter 'name'"


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


def test_delete_without_a_body_is_missing_name(http: httpx.Client) -> None:
    create_model(http, "m")

    response = http.request("DELETE", API + "/registered-models/delete", params={"name": "m"})

    assert error(response, 400, "INVALID_PARAMETER_VALUE") == (
        "Missing value for required parameter 'name'"
    )


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


def test_logged_model_source_reports_its_model_id(http: httpx.Client) -> None:
    create_model(http, "m")
    model_id = "m-" + "ab" * 16

    created = create_version(http, "m", source=f"models:/{model_id}", model_id=model_id)

    assert created["source"] == f"models:/{model_id}"
    assert created["model_id"] == model_id
    mismatch = post(
        http,
        "/model-versions/create",
        {"name": "m", "source": f"models:/{model_id}", "model_id": "m-00"},
    )
    error(mismatch, 400, "INVALID_PARAMETER_VALUE")


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


def test_search_registered_models_filters_orders_and_pages(http: httpx.Client) -> None:
    for name in ["a1", "a2", "a3", "b1", "b2"]:
        create_model(http, name)
    post(http, "/registered-models/set-tag", {"name": "b2", "key": "k", "value": "v"})

    names: list[str] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"max_results": 2, "order_by": "name DESC"}
        if token:
            params["page_token"] = token
        page = ok(get(http, "/registered-models/search", **params))
        names += [model["name"] for model in page["registered_models"]]
        token = page.get("next_page_token")
        if not token:
            break

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


def test_search_model_versions_filters_and_pages(http: httpx.Client) -> None:
    create_model(http, "m")
    create_model(http, "other")
    for _ in range(5):
        create_version(http, "m", run_id=RUN_ID)
    create_version(http, "other")

    versions: list[str] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"filter": "name = 'm'", "max_results": 2}
        if token:
            params["page_token"] = token
        page = ok(get(http, "/model-versions/search", **params))
        versions += [v["version"] for v in page["model_versions"]]
        token = page.get("next_page_token")
        if not token:
            break

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


REFUSED_SOURCES = [
    "/etc/passwd",
    "file:///etc/passwd",
    "file:/etc/passwd",
    "mlflow-artifacts:/../x",
    "mlflow-artifacts:/%2e%2e/x",
    "mlflow-artifacts:/a%252e%252e/..",
    "mlflow-artifacts:/a/%252e%252e/%252e%252e/etc",
    "mlflow-artifacts:/a#/../b",
    "mlflow-artifacts:/a?x=/../../b",
    "mlflow-artifacts:/a\\..\\..\\b",
    "mlflow-artifacts://evil.example/x",
    "mlflow-artifacts:/a//b",
    "mlflow-artifacts:/",
    "mlflow-artifacts:x",
    "C:\\x",
    "C:/Windows/win.ini",
    "//proc/self/root",
    "/proc/self/environ",
    "../../etc/passwd",
    "relative/path",
    "~/.ssh/id_rsa",
    "s3://someone-elses-bucket/model",
    "http://169.254.169.254/latest/meta-data",
    "dbfs:/x",
    "runs:/../../x",
    f"runs:/{RUN_ID}/../../etc",
    f"runs:/{RUN_ID}/a#/../../b",
    "models:/other-model/1",
    "models:/m-abc/../../x",
]


@pytest.mark.parametrize("source", REFUSED_SOURCES)
def test_sources_outside_the_artifact_store_are_refused(http: httpx.Client, source: str) -> None:
    create_model(http, "m")

    response = post(http, "/model-versions/create", {"name": "m", "source": source})

    assert "source" in error(response, 400, "INVALID_PARAMETER_VALUE")
    versions = ok(get(http, "/model-versions/search"))["model_versions"]
    assert versions == []


def test_sources_under_the_destination_are_answered_as_mlflow_artifacts(
    http: httpx.Client, server_config: ServerConfig
) -> None:
    create_model(http, "m")
    destination = server_config.artifacts_destination

    created = create_version(http, "m", source=f"{destination}/3/abc/artifacts/model")
    escaped = post(http, "/model-versions/create", {"name": "m", "source": f"{destination}/../x"})

    assert created["source"] == "mlflow-artifacts:/3/abc/artifacts/model"
    error(escaped, 400, "INVALID_PARAMETER_VALUE")
    uri = ok(get(http, "/model-versions/get-download-uri", name="m", version="1"))
    assert uri == {"artifact_uri": "mlflow-artifacts:/3/abc/artifacts/model"}


def test_mlflow_artifacts_source_is_stored_under_the_destination(
    http: httpx.Client, server_config: ServerConfig
) -> None:
    create_model(http, "m")
    create_version(http, "m", source="mlflow-artifacts:/1/r/artifacts/model")
    stores = open_sql_stores(server_config.backend_store_uri, server_config.artifacts_destination)
    try:
        stored = stores.model_versions.get_model_version("m", 1).source
    finally:
        stores.close()

    assert stored == f"{server_config.artifacts_destination}/1/r/artifacts/model"


def test_download_uri_of_a_runs_source_is_the_runs_artifact_location(
    http: httpx.Client, server_config: ServerConfig
) -> None:
    stores = open_sql_stores(server_config.backend_store_uri, server_config.artifacts_destination)
    try:
        run = stores.runs.create_run("0")
    finally:
        stores.close()
    run_id = run.info.run_id
    create_model(http, "m")
    created = create_version(http, "m", source=f"runs:/{run_id}/model", run_id=run_id)

    uri = ok(get(http, "/model-versions/get-download-uri", name="m", version="1"))

    assert created["source"] == f"runs:/{run_id}/model"
    assert uri == {"artifact_uri": f"mlflow-artifacts:/0/{run_id}/artifacts/model"}


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


class OnlySees:
    """An authorizer that lets every call through but shows only some models."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    async def authorize(self, call: Call, endpoint: Endpoint) -> str | None:  # noqa: ARG002
        return "alice"

    def visible_experiment_ids(self, call: Call) -> frozenset[str] | None:  # noqa: ARG002
        return None

    def visible_model_names(self, call: Call) -> frozenset[str] | None:  # noqa: ARG002
        return self.names


@pytest.fixture
def limited_app(tmp_path: Path) -> Starlette:
    config = ServerConfig(
        backend_store_uri=f"sqlite:///{tmp_path / 'limited.db'}",
        artifacts_destination=str(tmp_path / "artifacts"),
    )
    return create_app(config)


@pytest.fixture
def limited(limited_app: Starlette) -> Iterator[httpx.Client]:
    """A live server whose caller sees only 'mine' and "o'brien" (a quote in a name)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(limited_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for name in ["mine", "secret", "o'brien"]:
                create_model(client, name)
                create_version(client, name, source="models:/m-1")
            limited_app.state.driftloop.authorizer = OnlySees(frozenset({"mine", "o'brien"}))
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_searches_show_only_visible_models(limited: httpx.Client) -> None:
    models = ok(limited.get(API + "/registered-models/search"))["registered_models"]
    versions = ok(limited.get(API + "/model-versions/search"))["model_versions"]
    filtered = ok(
        limited.get(API + "/registered-models/search", params={"filter": "name = 'secret'"})
    )
    hidden = limited.post(API + "/registered-models/get-latest-versions", json={"name": "secret"})

    assert sorted(m["name"] for m in models) == ["mine", "o'brien"]
    assert sorted(v["name"] for v in versions) == ["mine", "o'brien"]
    assert filtered["registered_models"] == []
    error(hidden, 404, "RESOURCE_DOES_NOT_EXIST")
    assert "secret" not in hidden.text or "not found" in hidden.text


def test_caller_seeing_nothing_gets_nothing(limited: httpx.Client, limited_app: Starlette) -> None:
    limited_app.state.driftloop.authorizer = OnlySees(frozenset())

    models = ok(limited.get(API + "/registered-models/search"))["registered_models"]
    versions = ok(limited.get(API + "/model-versions/search"))["model_versions"]

    assert models == []
    assert versions == []


def test_events_record_the_principal(limited: httpx.Client, tmp_path: Path) -> None:
    ok(limited.post(API + "/registered-models/create", json={"name": "by-alice"}))
    stores = open_sql_stores(f"sqlite:///{tmp_path / 'limited.db'}", str(tmp_path / "artifacts"))
    try:
        events = stores.events.list_events("by-alice")
    finally:
        stores.close()

    assert [event.actor for event in events] == ["alice"]


def test_the_clients_prompt_exclusion_keeps_untagged_models(http: httpx.Client) -> None:
    create_model(http, "model")
    create_model(http, "prompt", tags=[{"key": "mlflow.prompt.is_prompt", "value": "true"}])
    exclusion = "tag.`mlflow.prompt.is_prompt` != 'true'"

    alone = ok(get(http, "/registered-models/search", filter=exclusion))
    combined = ok(get(http, "/registered-models/search", filter=f"name LIKE '%' AND {exclusion}"))

    assert [m["name"] for m in alone["registered_models"]] == ["model"]
    assert [m["name"] for m in combined["registered_models"]] == ["model"]
