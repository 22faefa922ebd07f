from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from driftloop.server.config import ServerConfig
from driftloop.testing.live_server import live_server


@pytest.fixture(scope="module")
def v1_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ServerConfig]]:
    """One live server per test module (the tests here use unique names)."""
    root = tmp_path_factory.mktemp("api-v1")
    config = ServerConfig(
        backend_store_uri=f"sqlite:///{root / 'server.db'}",
        artifacts_destination=str(root / "artifacts"),
        port=0,
    )
    with live_server(config) as url:
        yield url, config


@pytest.fixture
def server_url(v1_server: tuple[str, ServerConfig]) -> str:
    return v1_server[0]


@pytest.fixture
def http(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield client
