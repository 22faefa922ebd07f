"""A live server with ``auth=True``: credentials, roles, grants and the admin routes."""

from __future__ import annotations

import base64
import contextlib
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from driftloop.server.app import create_app
from driftloop.server.auth.entities import GrantPermission, ResourceType, Role
from driftloop.server.auth.sql_store import SqlAuthStore
from driftloop.server.config import ServerConfig
from driftloop.server.routing import Call, DeclaredRoute, Endpoint, Permission, Resource, endpoint
from driftloop.store.sql import open_sql_stores
from driftloop.store.sql.ids import now_ms
from driftloop.testing.live_server import free_port

PASSWORD = "reader password 123"


async def echo(call: Call) -> dict[str, Any]:
    """Test endpoint: who called."""
    return {"principal": call.principal}


async def visible(call: Call) -> dict[str, Any]:
    """Test endpoint: what a search would show."""
    ids = call.state.authorizer.visible_experiment_ids(call)
    models = call.state.authorizer.visible_model_names(call)
    return {
        "experiments": None if ids is None else sorted(ids),
        "models": None if models is None else sorted(models),
    }


TEST_ENDPOINTS: list[Endpoint] = [
    endpoint("/test/global/read", "GET", echo, Permission.READ),
    endpoint("/test/global/edit", "POST", echo, Permission.EDIT),
    endpoint("/test/visible", "GET", visible, Permission.READ),
    endpoint("/test/experiment/read", "GET", echo, Permission.READ, Resource.EXPERIMENT),
    endpoint("/test/experiment/edit", "POST", echo, Permission.EDIT, Resource.EXPERIMENT),
    endpoint("/test/experiment/admin", "POST", echo, Permission.ADMIN, Resource.EXPERIMENT),
    endpoint("/test/run/read", "GET", echo, Permission.READ, Resource.RUN),
    endpoint("/test/model/edit", "POST", echo, Permission.EDIT, Resource.REGISTERED_MODEL),
    endpoint(
        "/test/artifacts/{artifact_path:path}",
        "GET",
        echo,
        Permission.READ,
        Resource.ARTIFACT_PATH,
    ),
]


@dataclass(frozen=True)
class Setup:
    url: str
    admin: str
    reader: str
    guest: str
    revoked: str
    expired: str
    experiment_a: str
    experiment_b: str
    run_a: str
    run_b: str


@contextlib.contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 and a free port until the block ends."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server thread died"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def auth_config(tmp_path: Path) -> ServerConfig:
    return ServerConfig(
        backend_store_uri=f"sqlite:///{tmp_path / 'server.db'}",
        artifacts_destination=str(tmp_path / "artifacts"),
        port=0,
        auth=True,
    )


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    config = auth_config(tmp_path)
    stores = open_sql_stores(config.backend_store_uri, config.artifacts_destination)
    try:
        store = SqlAuthStore(stores.database)
        experiment_a = stores.experiments.create_experiment("a")
        experiment_b = stores.experiments.create_experiment("b")
        run_a = stores.runs.create_run(experiment_a).run_id
        run_b = stores.runs.create_run(experiment_b).run_id
        store.create_user("root", Role.ADMIN)
        store.create_user("reader", Role.READER, PASSWORD)
        store.create_user("guest", Role.GUEST)
        store.set_grant("guest", ResourceType.EXPERIMENT, experiment_a, GrantPermission.EDIT)
        store.set_grant("guest", ResourceType.REGISTERED_MODEL, "churn", GrantPermission.READ)
        revoked = store.create_token("reader")
        store.revoke_token(revoked.token.token_id)
        values = Setup(
            url="",
            admin=store.create_token("root").secret,
            reader=store.create_token("reader").secret,
            guest=store.create_token("guest").secret,
            revoked=revoked.secret,
            expired=store.create_token("reader", expires=now_ms() - 1).secret,
            experiment_a=experiment_a,
            experiment_b=experiment_b,
            run_a=run_a,
            run_b=run_b,
        )
    finally:
        stores.close()
    with serve(create_app(config, extra_endpoints=TEST_ENDPOINTS)) as url:
        yield Setup(**{**values.__dict__, "url": url})


@pytest.fixture
def http(setup: Setup) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=setup.url, timeout=30) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def basic(user: str, password: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def assert_unauthenticated(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error_code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"] == 'Basic realm="driftloop"'


def assert_denied(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["error_code"] == "PERMISSION_DENIED"


def test_no_credentials_get_401_but_health_is_public(http: httpx.Client) -> None:
    assert_unauthenticated(http.get("/openapi.json"))
    assert_unauthenticated(http.get("/test/global/read"))
    assert http.get("/health").text == "OK"
    assert http.get("/version").status_code == 200


@pytest.mark.parametrize("token_kind", ["bad", "revoked", "expired"])
def test_invalid_tokens_get_401(http: httpx.Client, setup: Setup, token_kind: str) -> None:
    token = {"bad": "dl_" + "x" * 43, "revoked": setup.revoked, "expired": setup.expired}
    assert_unauthenticated(http.get("/test/global/read", headers=bearer(token[token_kind])))
    assert_unauthenticated(
        http.get("/test/global/read", headers=basic("reader", token[token_kind]))
    )


def test_reader_reads_but_cannot_edit(http: httpx.Client, setup: Setup) -> None:
    headers = bearer(setup.reader)
    response = http.get("/openapi.json", headers=headers)
    assert response.status_code == 200
    assert "/test/global/edit" in response.json()["paths"]
    assert http.get("/test/global/read", headers=headers).json() == {"principal": "reader"}
    assert_denied(http.post("/test/global/edit", headers=headers))
    assert_denied(http.post("/test/experiment/edit", headers=headers, json={"experiment_id": "0"}))
    assert http.get("/test/visible", headers=headers).json() == {
        "experiments": None,
        "models": None,
    }


def test_basic_with_password_and_with_token(http: httpx.Client, setup: Setup) -> None:
    with_password = http.get("/test/global/read", headers=basic("reader", PASSWORD))
    assert with_password.json() == {"principal": "reader"}
    with_token = http.get("/test/global/read", headers=basic("reader", setup.reader))
    assert with_token.json() == {"principal": "reader"}
    assert_unauthenticated(http.get("/test/global/read", headers=basic("reader", "wrong pass 1")))


def test_admin_may_do_everything(http: httpx.Client, setup: Setup) -> None:
    headers = bearer(setup.admin)
    assert http.post("/test/global/edit", headers=headers).json() == {"principal": "root"}
    response = http.post(
        "/test/experiment/admin", headers=headers, json={"experiment_id": setup.experiment_b}
    )
    assert response.status_code == 200


def test_guest_sees_and_edits_only_its_granted_experiment(http: httpx.Client, setup: Setup) -> None:
    headers = bearer(setup.guest)
    shown = http.get("/test/visible", headers=headers).json()
    assert shown == {"experiments": [setup.experiment_a], "models": ["churn"]}
    a, b = setup.experiment_a, setup.experiment_b
    assert http.get(
        "/test/experiment/read", headers=headers, params={"experiment_id": a}
    ).is_success
    assert http.post("/test/experiment/edit", headers=headers, json={"experiment_id": a}).is_success
    assert_denied(http.get("/test/experiment/read", headers=headers, params={"experiment_id": b}))
    assert_denied(
        http.post("/test/experiment/edit", headers=headers, json={"experiment_ids": [a, b]})
    )
    assert_denied(http.post("/test/experiment/admin", headers=headers, json={"experiment_id": a}))
    assert_denied(http.get("/test/experiment/read", headers=headers))
    assert_denied(http.post("/test/global/edit", headers=headers))


def test_guest_grants_follow_runs_models_and_artifact_paths(
    http: httpx.Client, setup: Setup
) -> None:
    headers = bearer(setup.guest)
    assert http.get("/test/run/read", headers=headers, params={"run_id": setup.run_a}).is_success
    assert http.get("/test/run/read", headers=headers, params={"run_uuid": setup.run_a}).is_success
    assert_denied(http.get("/test/run/read", headers=headers, params={"run_id": setup.run_b}))
    assert_denied(http.get("/test/run/read", headers=headers, params={"run_id": "f" * 32}))
    assert_denied(http.post("/test/model/edit", headers=headers, json={"name": "churn"}))
    a, b = setup.experiment_a, setup.experiment_b
    assert http.get(f"/test/artifacts/{a}/{setup.run_a}/artifacts/x", headers=headers).is_success
    assert_denied(http.get(f"/test/artifacts/{b}/{setup.run_b}/artifacts/x", headers=headers))
    assert_denied(http.get(f"/test/artifacts/{a}/../{b}/x", headers=headers))
    assert_denied(http.get(f"/test/artifacts/{a}/%2E%2E/{b}/x", headers=headers))


def test_admin_routes(http: httpx.Client, setup: Setup) -> None:
    admin, reader = bearer(setup.admin), bearer(setup.reader)
    created = http.post(
        "/api/v1/auth/users/create",
        headers=admin,
        json={"name": "carol", "role": "editor", "password": "carol's password"},
    )
    assert created.json()["user"]["role"] == "editor"
    weak = http.post(
        "/api/v1/auth/users/create",
        headers=admin,
        json={"name": "dave", "role": "editor", "password": "short"},
    )
    assert weak.status_code == 400
    assert "carol" in [
        u["name"] for u in http.get("/api/v1/auth/users/list", headers=admin).json()["users"]
    ]
    assert_denied(http.get("/api/v1/auth/users/list", headers=reader))
    assert_denied(
        http.post("/api/v1/auth/users/create", headers=reader, json={"name": "x", "role": "admin"})
    )
    role = http.post(
        "/api/v1/auth/users/set-role", headers=admin, json={"name": "carol", "role": "reader"}
    )
    assert role.json()["user"]["role"] == "reader"
    assert_denied(
        http.post(
            "/api/v1/auth/users/set-role", headers=admin, json={"name": "root", "role": "guest"}
        )
    )
    grant = {
        "user": "carol",
        "resource_type": "experiment",
        "resource_id": "9",
        "permission": "edit",
    }
    assert http.post("/api/v1/auth/grants/set", headers=admin, json=grant).is_success
    listed = http.get("/api/v1/auth/grants/list", headers=admin, params={"user": "carol"}).json()
    assert listed["grants"] == [grant]
    assert_denied(http.post("/api/v1/auth/grants/set", headers=reader, json=grant))
    del grant["permission"]
    assert http.post("/api/v1/auth/grants/delete", headers=admin, json=grant).is_success
    assert http.post("/api/v1/auth/users/delete", headers=admin, json={"name": "carol"}).is_success
    missing = http.post("/api/v1/auth/users/delete", headers=admin, json={"name": "carol"})
    assert missing.status_code == 404


def test_users_manage_their_own_tokens(http: httpx.Client, setup: Setup) -> None:
    reader, admin = bearer(setup.reader), bearer(setup.admin)
    created = http.post(
        "/api/v1/auth/tokens/create", headers=reader, json={"name": "laptop", "expires_days": 7}
    ).json()
    secret, token_id = created["token"], created["token_info"]["token_id"]
    assert secret.startswith("dl_")
    assert created["token_info"]["user"] == "reader"
    whoami = http.get("/api/v1/auth/whoami", headers=bearer(secret)).json()
    assert whoami["user"]["name"] == "reader"
    listed = http.get("/api/v1/auth/tokens/list", headers=reader).json()["tokens"]
    assert token_id in [t["token_id"] for t in listed]
    assert all(t["user"] == "reader" for t in listed)
    assert secret not in str(listed)
    assert_denied(http.post("/api/v1/auth/tokens/create", headers=reader, json={"user": "root"}))
    assert_denied(http.get("/api/v1/auth/tokens/list", headers=reader, params={"user": "root"}))
    admin_tokens = http.get("/api/v1/auth/tokens/list", headers=admin).json()["tokens"]
    root_token = next(t["token_id"] for t in admin_tokens if t["user"] == "root")
    assert_denied(
        http.post("/api/v1/auth/tokens/revoke", headers=reader, json={"token_id": root_token})
    )
    revoked = http.post("/api/v1/auth/tokens/revoke", headers=reader, json={"token_id": token_id})
    assert revoked.json()["token_info"]["revoked"] is not None
    assert_unauthenticated(http.get("/api/v1/auth/whoami", headers=bearer(secret)))


def _dummy_path(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "0", path)


def test_every_route_declares_a_permission_and_refuses_anonymous_calls(tmp_path: Path) -> None:
    app = create_app(auth_config(tmp_path), extra_endpoints=TEST_ENDPOINTS)
    routes = list(app.routes)
    assert len(routes) > len(TEST_ENDPOINTS)
    checked = 0
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        for route in routes:
            assert isinstance(route, DeclaredRoute), route
            declared = route.declared
            assert isinstance(declared.permission, Permission), declared.path
            if declared.permission is Permission.PUBLIC:
                continue
            for method in declared.methods:
                response = client.request(method, _dummy_path(declared.path))
                assert response.status_code == 401, (method, declared.path, response.text)
                assert response.json()["error_code"] == "UNAUTHENTICATED"
                checked += 1
    assert checked >= len(TEST_ENDPOINTS)
