from __future__ import annotations

import httpx
import pytest

import driftloop
from driftloop.errors import InvalidParameterError
from driftloop.server.app import create_app
from driftloop.server.config import ServerConfig
from driftloop.server.routing import DeclaredRoute, Permission


def test_health_version_and_openapi(http: httpx.Client) -> None:
    assert http.get("/health").text == "OK"
    assert http.get("/version").text == driftloop.__version__
    spec = http.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/health" in spec["paths"]


def test_unknown_route_is_a_plain_404(http: httpx.Client) -> None:
    response = http.get("/api/2.0/mlflow/no-such-route")
    assert response.status_code == 404
    assert not response.headers["content-type"].startswith("application/json")


def test_every_route_declares_a_permission(server_config: ServerConfig) -> None:
    app = create_app(server_config)
    routes = list(app.routes)
    assert routes
    for route in routes:
        assert isinstance(route, DeclaredRoute), route
        assert isinstance(route.declared.permission, Permission)


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example", "127.0.0.2"])
def test_foreign_host_header_is_refused(http: httpx.Client, host: str) -> None:
    response = http.get("/health", headers={"Host": host})
    assert response.status_code == 403
    assert response.json()["error_code"] == "INVALID_HOST"


def test_foreign_origin_is_refused(http: httpx.Client, server_url: str) -> None:
    refused = http.get("/health", headers={"Origin": "http://evil.example"})
    assert refused.status_code == 403
    assert refused.json()["error_code"] == "INVALID_ORIGIN"
    same = http.get("/health", headers={"Origin": server_url})
    assert same.status_code == 200


def test_unauthenticated_server_refuses_public_interfaces(server_config: ServerConfig) -> None:
    config = ServerConfig(
        backend_store_uri=server_config.backend_store_uri,
        artifacts_destination=server_config.artifacts_destination,
        host="0.0.0.0",  # noqa: S104 - the point of the test
    )
    with pytest.raises(InvalidParameterError, match="--auth"):
        create_app(config)
