"""``/api/v1/deployments/*``: status codes, error codes and fields, the OpenAPI document, auth."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.server.auth.test_auth_server import assert_denied, auth_config, bearer, serve

from driftloop.server.api_v1 import deployments
from driftloop.server.app import create_app
from driftloop.server.auth.entities import GrantPermission, ResourceType, Role
from driftloop.server.auth.sql_store import SqlAuthStore
from driftloop.store.sql import open_sql_stores

PREFIX = "/api/v1"


def _model(http: httpx.Client) -> str:
    name = f"dm-{uuid.uuid4().hex[:10]}"
    assert http.post(f"{PREFIX}/registry/models/create", json={"name": name}).status_code == 200
    for index in range(2):
        created = http.post(
            f"{PREFIX}/registry/versions/create",
            json={"name": name, "source": f"s3://b/{name}/{index}"},
        )
        assert created.status_code == 200, created.text
    body = {"name": name, "alias": "champion", "version": 1}
    assert http.post(f"{PREFIX}/registry/aliases/set", json=body).status_code == 200
    return name


@pytest.fixture
def deployed(http: httpx.Client) -> str:
    """The name of a new deployment of a new model (champion v1, a v2 to challenge)."""
    model = _model(http)
    name = f"dep-{uuid.uuid4().hex[:10]}"
    response = http.post(f"{PREFIX}/deployments/create", json={"name": name, "model_name": model})
    assert response.status_code == 200, response.text
    return name


def _error(response: httpx.Response, status: int, code: str, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error_code"] == code
    assert body.get("field") == field
    return body


def test_lifecycle_over_http(http: httpx.Client, deployed: str) -> None:
    got = http.get(f"{PREFIX}/deployments/get", params={"name": deployed}).json()["deployment"]
    assert (got["mode"], got["state"], got["revision"]) == ("single", "stable", 1)
    update = {"name": deployed, "challenger_version": 2, "mode": "canary", "canary_fraction": 0.2}
    updated = http.post(f"{PREFIX}/deployments/update", json=update).json()["deployment"]
    assert (updated["challenger_version"], updated["state"]) == (2, "challenging")
    # Fields not sent stay; an explicit null clears.
    kept = http.post(f"{PREFIX}/deployments/update", json={"name": deployed, "description": "x"})
    assert kept.json()["deployment"]["challenger_version"] == 2
    promoted = http.post(f"{PREFIX}/deployments/promote", json={"name": deployed}).json()
    assert promoted["deployment"]["previous_champion_version"] == 1
    rolled = http.post(f"{PREFIX}/deployments/rollback", json={"name": deployed}).json()
    assert rolled["deployment"]["state"] == "rolled_back"
    model = got["model_name"]
    listed = http.get(f"{PREFIX}/deployments/list", params={"model_name": model}).json()
    assert [d["name"] for d in listed["deployments"]] == [deployed]
    assert http.post(f"{PREFIX}/deployments/delete", json={"name": deployed}).json() == {}
    assert http.get(f"{PREFIX}/deployments/list", params={"model_name": model}).json() == {
        "deployments": []
    }


def test_clear_with_null(http: httpx.Client, deployed: str) -> None:
    http.post(f"{PREFIX}/deployments/update", json={"name": deployed, "challenger_version": 2})
    cleared = http.post(
        f"{PREFIX}/deployments/update", json={"name": deployed, "challenger_version": None}
    ).json()["deployment"]
    assert (cleared["challenger_version"], cleared["state"]) == (None, "stable")


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/deployments/get", "GET"),
        ("/deployments/update", "POST"),
        ("/deployments/promote", "POST"),
        ("/deployments/rollback", "POST"),
        ("/deployments/delete", "POST"),
    ],
)
def test_missing_deployment_is_404(http: httpx.Client, path: str, method: str) -> None:
    params = {"name": f"missing-{uuid.uuid4().hex[:8]}"}
    response = (
        http.get(PREFIX + path, params=params)
        if method == "GET"
        else http.post(PREFIX + path, json=params)
    )
    body = _error(response, 404, "RESOURCE_DOES_NOT_EXIST", "name")
    assert body["error_type"] == "DeploymentNotFoundError"


@pytest.mark.parametrize(
    ("update", "status", "code", "field"),
    [
        ({"challenger_version": 9}, 404, "RESOURCE_DOES_NOT_EXIST", "challenger_version"),
        ({"challenger_version": 1}, 400, "INVALID_PARAMETER_VALUE", "challenger_version"),
        ({"challenger_version": "2"}, 400, "INVALID_PARAMETER_VALUE", "challenger_version"),
        ({"challenger_version": [2]}, 400, "INVALID_PARAMETER_VALUE", "challenger_version"),
        ({"mode": "blue-green"}, 400, "INVALID_PARAMETER_VALUE", "mode"),
        ({"mode": "canary"}, 400, "INVALID_PARAMETER_VALUE", "mode"),
        ({"canary_fraction": 1.5}, 400, "INVALID_PARAMETER_VALUE", "canary_fraction"),
        ({"canary_fraction": "NaN"}, 400, "INVALID_PARAMETER_VALUE", "canary_fraction"),
        ({"canary_fraction": 10**400}, 400, "INVALID_PARAMETER_VALUE", "canary_fraction"),
        ({"description": {"a": 1}}, 400, "INVALID_PARAMETER_VALUE", "description"),
        ({"name": 5}, 400, "INVALID_PARAMETER_VALUE", "name"),
    ],
)
def test_bad_updates_are_4xx_naming_the_field(
    http: httpx.Client,
    deployed: str,
    update: dict[str, Any],
    status: int,
    code: str,
    field: str,
) -> None:
    response = http.post(f"{PREFIX}/deployments/update", json={"name": deployed, **update})
    _error(response, status, code, field)
    got = http.get(f"{PREFIX}/deployments/get", params={"name": deployed}).json()
    assert got["deployment"]["revision"] == 1


@pytest.mark.parametrize("literal", ["1e400", "-1e400", "NaN", "Infinity"])
def test_non_finite_fraction_is_400(http: httpx.Client, deployed: str, literal: str) -> None:
    body = f'{{"name": "{deployed}", "canary_fraction": {literal}}}'
    response = http.post(
        f"{PREFIX}/deployments/update",
        content=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({}, 400, "INVALID_PARAMETER_VALUE", "name"),
        ({"name": "a/b", "model_name": "m"}, 400, "INVALID_PARAMETER_VALUE", "name"),
        ({"name": "ok"}, 400, "INVALID_PARAMETER_VALUE", "model_name"),
        ({"name": "ok", "model_name": 7}, 400, "INVALID_PARAMETER_VALUE", "model_name"),
        ({"name": "ok", "model_name": "nope"}, 404, "RESOURCE_DOES_NOT_EXIST", "model_name"),
    ],
)
def test_bad_creates(
    http: httpx.Client, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    _error(http.post(f"{PREFIX}/deployments/create", json=body), status, code, field)


def test_conflicts_are_409(http: httpx.Client, deployed: str) -> None:
    _error(
        http.post(f"{PREFIX}/deployments/promote", json={"name": deployed}),
        409,
        "RESOURCE_CONFLICT",
        "name",
    )
    model = http.get(f"{PREFIX}/deployments/get", params={"name": deployed}).json()
    deleted = http.post(
        f"{PREFIX}/registry/models/delete", json={"name": model["deployment"]["model_name"]}
    )
    assert deployed in _error(deleted, 409, "RESOURCE_CONFLICT", "name")["message"]
    duplicate = {"name": deployed, "model_name": model["deployment"]["model_name"]}
    _error(
        http.post(f"{PREFIX}/deployments/create", json=duplicate),
        400,
        "RESOURCE_ALREADY_EXISTS",
        "name",
    )


def test_openapi_lists_the_routes(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for declared in deployments.ENDPOINTS:
        assert PREFIX + declared.path in paths


# -- auth ---------------------------------------------------------------------------------


@pytest.fixture
def auth_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A server with auth: ``guest`` may edit model ``granted`` and nothing else."""
    config = auth_config(tmp_path)
    stores = open_sql_stores(config.backend_store_uri, config.artifacts_destination)
    try:
        for model in ("granted", "other"):
            stores.registry.create_registered_model(model)
            stores.model_versions.create_model_version(model, f"s3://b/{model}/1")
            stores.model_versions.create_model_version(model, f"s3://b/{model}/2")
            stores.registry.set_alias(model, "champion", 1)
            stores.deployments.create_deployment(f"{model}-api", model)
        store = SqlAuthStore(stores.database)
        store.create_user("guest", Role.GUEST)
        store.create_user("reader", Role.READER)
        store.set_grant("guest", ResourceType.REGISTERED_MODEL, "granted", GrantPermission.EDIT)
        tokens = {user: store.create_token(user).secret for user in ("guest", "reader")}
    finally:
        stores.close()
    with serve(create_app(config)) as url:
        yield url, tokens


def test_grants_on_the_model_govern_its_deployments(
    auth_server: tuple[str, dict[str, str]],
) -> None:
    url, tokens = auth_server
    guest = bearer(tokens["guest"])
    with httpx.Client(base_url=url + PREFIX, timeout=30) as http:
        assert http.get("/deployments/get", params={"name": "granted-api"}).status_code == 401
        ok = http.get("/deployments/get", params={"name": "granted-api"}, headers=guest)
        assert ok.status_code == 200
        assert_denied(http.get("/deployments/get", params={"name": "other-api"}, headers=guest))
        assert_denied(http.get("/deployments/get", params={"name": "nope"}, headers=guest))
        update = {"name": "granted-api", "challenger_version": 2}
        edited = http.post("/deployments/update", json=update, headers=guest)
        assert edited.status_code == 200
        assert edited.json()["deployment"]["challenger_version"] == 2
        assert edited.json()["deployment"]["revision"] == 2
        other = {"name": "other-api", "challenger_version": 2}
        assert_denied(http.post("/deployments/update", json=other, headers=guest))
        # A forged model_name does not widen the grant on an existing deployment.
        forged = {**other, "model_name": "granted"}
        assert_denied(http.post("/deployments/update", json=forged, headers=guest))
        create = {"name": "guest-api", "model_name": "granted"}
        assert http.post("/deployments/create", json=create, headers=guest).status_code == 200
        create_other = {"name": "guest-other", "model_name": "other"}
        assert_denied(http.post("/deployments/create", json=create_other, headers=guest))
        listed = http.get("/deployments/list", headers=guest).json()["deployments"]
        assert sorted(d["name"] for d in listed) == ["granted-api", "guest-api"]
        reader = bearer(tokens["reader"])
        everything = http.get("/deployments/list", headers=reader).json()["deployments"]
        assert len(everything) == 3
        assert_denied(http.post("/deployments/promote", json={"name": "other-api"}, headers=reader))


JUNK: tuple[Any, ...] = ([1], {"a": {"b": 1}}, True, 1e300, "", -1, 2**70)
FIELDS = (
    "name",
    "model_name",
    "champion_alias",
    "challenger_version",
    "mode",
    "canary_fraction",
    "description",
    "actor",
)


@pytest.mark.parametrize(
    "path", sorted(e.path for e in deployments.ENDPOINTS if "POST" in e.methods)
)
def test_junk_in_any_field_is_never_a_server_error(
    http: httpx.Client, deployed: str, path: str
) -> None:
    model = http.get(f"{PREFIX}/deployments/get", params={"name": deployed}).json()
    base = {"name": deployed, "model_name": model["deployment"]["model_name"]}
    for field in FIELDS:
        for junk in JUNK:
            response = http.post(PREFIX + path, json={**base, field: junk})
            assert response.status_code < 500, (path, field, junk, response.text)
            if response.status_code >= 400:
                assert response.json()["error_code"]
