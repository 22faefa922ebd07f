from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from driftloop.server.config import ServerConfig
from driftloop.testing.live_server import live_server


@pytest.fixture
def server_config(tmp_path: Path) -> ServerConfig:
    return ServerConfig(
        backend_store_uri=f"sqlite:///{tmp_path / 'server.db'}",
        artifacts_destination=str(tmp_path / "artifacts"),
        port=0,
    )


@pytest.fixture
def server_url(server_config: ServerConfig) -> Iterator[str]:
    with live_server(server_config) as url:
        yield url


@pytest.fixture
def http(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield client
