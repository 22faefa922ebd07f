"""``/api/v1/monitoring/*`` on a server with ``--auth``: who may read, record and delete."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tests.server.auth.test_auth_server import (
    assert_denied,
    assert_unauthenticated,
    auth_config,
    bearer,
    serve,
)

from driftloop.entities import MonitorPoint
from driftloop.server.api_v1 import monitoring
from driftloop.server.app import create_app
from driftloop.server.auth.entities import GrantPermission, ResourceType, Role
from driftloop.server.auth.sql_store import SqlAuthStore
from driftloop.store.rest import RemoteError, RestClient, RestMonitorStore
from driftloop.store.sql import open_sql_stores
from driftloop.testing import T0

PREFIX = "/api/v1/monitoring"
MINUTE = 60_000


@dataclass(frozen=True)
class AuthServer:
    url: str
    tokens: dict[str, str]
    runs: dict[str, str]
    """Run id of the one run recorded per deployment before the server started."""


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthServer]:
    """Deployments ``granted-api`` and ``other-api`` (of models ``granted``/``other``), and the
    inference log ``loose`` (no deployment), one monitoring run each.

    ``guest`` holds an edit grant on model ``granted``; ``reader`` and ``editor`` have roles.
    """
    config = auth_config(tmp_path_factory.mktemp("monitoring-auth"))
    stores = open_sql_stores(config.backend_store_uri, config.artifacts_destination)
    try:
        runs: dict[str, str] = {}
        for model in ("granted", "other"):
            stores.registry.create_registered_model(model)
            stores.model_versions.create_model_version(model, f"s3://b/{model}/1")
            stores.registry.set_alias(model, "champion", 1)
            stores.deployments.create_deployment(f"{model}-api", model)
        for name in ("granted-api", "other-api", "loose"):
            runs[name] = stores.monitoring.record_monitor_run(
                name,
                model_version=1,
                window_start=T0,
                window_end=T0 + MINUTE,
                rows=10,
                verdict="no_drift",
                points=[MonitorPoint("age", "psi", 0.1)],
            ).run_id
        auth = SqlAuthStore(stores.database)
        auth.create_user("guest", Role.GUEST)
        auth.create_user("reader", Role.READER)
        auth.create_user("editor", Role.EDITOR)
        auth.set_grant("guest", ResourceType.REGISTERED_MODEL, "granted", GrantPermission.EDIT)
        tokens = {u: auth.create_token(u).secret for u in ("guest", "reader", "editor")}
    finally:
        stores.close()
    with serve(create_app(config)) as url:
        yield AuthServer(url, tokens, runs)


@pytest.fixture
def http(auth_server: AuthServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=auth_server.url + PREFIX, timeout=30) as client:
        yield client


def _record_body(deployment: str) -> dict[str, Any]:
    return {
        "deployment": deployment,
        "model_version": 1,
        "window_start": T0,
        "window_end": T0 + 2 * MINUTE,
        "rows": 5,
        "verdict": "drift",
        "points": [{"column": "age", "metric": "psi", "value": 0.3}],
    }


def _run_ids(http: httpx.Client, deployment: str, token: str) -> list[str]:
    response = http.get("/runs/list", params={"deployment": deployment}, headers=bearer(token))
    assert response.status_code == 200, response.text
    return [run["run_id"] for run in response.json()["runs"]]


def test_every_route_needs_credentials(http: httpx.Client, auth_server: AuthServer) -> None:
    for declared in monitoring.ENDPOINTS:
        path = declared.path.removeprefix("/monitoring")
        if "GET" in declared.methods:
            response = http.get(path, params={"deployment": "granted-api", "run_id": "x"})
        else:
            response = http.post(path, json=_record_body("granted-api"))
        assert_unauthenticated(response)
    assert _run_ids(http, "granted-api", auth_server.tokens["reader"]) == [
        auth_server.runs["granted-api"]
    ]


def test_reader_reads_everything(http: httpx.Client, auth_server: AuthServer) -> None:
    reader = bearer(auth_server.tokens["reader"])
    for name, run_id in auth_server.runs.items():
        got = http.get("/runs/get", params={"run_id": run_id}, headers=reader)
        assert got.json()["run"]["deployment"] == name
        series = http.get(
            "/series/get",
            params={"deployment": name, "column": "age", "metric": "psi"},
            headers=reader,
        )
        assert [s["run_id"] for s in series.json()["series"]] == [run_id]


def test_reader_cannot_record_or_delete(http: httpx.Client, auth_server: AuthServer) -> None:
    """403 PERMISSION_DENIED, and the runs are as they were."""
    token = auth_server.tokens["reader"]
    reader = bearer(token)
    for name in ("granted-api", "loose"):
        assert_denied(http.post("/runs/record", json=_record_body(name), headers=reader))
        delete = {"deployment": name, "before": T0 + 100 * MINUTE}
        assert_denied(http.post("/runs/delete", json=delete, headers=reader))
        assert _run_ids(http, name, token) == [auth_server.runs[name]]


def test_reader_through_the_rest_store_is_refused(
    http: httpx.Client, auth_server: AuthServer
) -> None:
    client = RestClient(auth_server.url, headers=bearer(auth_server.tokens["reader"]))
    try:
        store = RestMonitorStore(client)
        assert [r.run_id for r in store.list_monitor_runs("loose")] == [auth_server.runs["loose"]]
        with pytest.raises(RemoteError, match="lacks edit permission") as caught:
            store.delete_monitor_runs("loose", before=T0 + 100 * MINUTE)
        assert caught.value.status == 403
        assert caught.value.error_code == "PERMISSION_DENIED"
    finally:
        client.close()
    assert _run_ids(http, "loose", auth_server.tokens["reader"]) == [auth_server.runs["loose"]]


def test_editor_records_and_deletes(http: httpx.Client, auth_server: AuthServer) -> None:
    editor = bearer(auth_server.tokens["editor"])
    name = "editor-log"
    recorded = http.post("/runs/record", json=_record_body(name), headers=editor)
    assert recorded.status_code == 200, recorded.text
    assert _run_ids(http, name, auth_server.tokens["editor"]) == [recorded.json()["run"]["run_id"]]
    delete = {"deployment": name, "before": T0 + 100 * MINUTE}
    assert http.post("/runs/delete", json=delete, headers=editor).json() == {"deleted": 1}


def test_guest_reads_only_granted_deployments(http: httpx.Client, auth_server: AuthServer) -> None:
    """A guest reads the runs of deployments of granted models; anything else is 403."""
    token = auth_server.tokens["guest"]
    guest = bearer(token)
    granted = auth_server.runs["granted-api"]
    assert _run_ids(http, "granted-api", token) == [granted]
    got = http.get("/runs/get", params={"run_id": granted}, headers=guest)
    assert got.json()["run"]["run_id"] == granted
    series = http.get(
        "/series/get",
        params={"deployment": "granted-api", "column": "age", "metric": "psi"},
        headers=guest,
    )
    assert [s["run_id"] for s in series.json()["series"]] == [granted]
    for name in ("other-api", "loose", "no-such-deployment"):
        assert_denied(http.get("/runs/list", params={"deployment": name}, headers=guest))
        params = {"deployment": name, "column": "age", "metric": "psi"}
        assert_denied(http.get("/series/get", params=params, headers=guest))
    for run_id in (auth_server.runs["other-api"], auth_server.runs["loose"], "0" * 32):
        assert_denied(http.get("/runs/get", params={"run_id": run_id}, headers=guest))
    assert_denied(http.get("/runs/list", headers=guest))


def test_guest_with_an_edit_grant_cannot_record(
    http: httpx.Client, auth_server: AuthServer
) -> None:
    """Recording and deleting need the editor role: a grant on the model is not enough."""
    guest = bearer(auth_server.tokens["guest"])
    assert_denied(http.post("/runs/record", json=_record_body("granted-api"), headers=guest))
    delete = {"deployment": "granted-api", "before": T0 + 100 * MINUTE}
    assert_denied(http.post("/runs/delete", json=delete, headers=guest))
    assert _run_ids(http, "granted-api", auth_server.tokens["reader"]) == [
        auth_server.runs["granted-api"]
    ]
