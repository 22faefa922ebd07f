"""The ``/api/v1/ct/*`` tests' live server (one per module) and its clients."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.server.ct.support import PREFIX

from driftloop.server.config import ServerConfig
from driftloop.testing.live_server import live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One live server for the module (tests use unique names), and its SQLite file."""
    root = tmp_path_factory.mktemp("ct-api")
    config = ServerConfig(
        backend_store_uri=f"sqlite:///{root / 'server.db'}",
        artifacts_destination=str(root / "artifacts"),
        port=0,
    )
    with live_server(config) as url:
        yield url, root / "server.db"


@pytest.fixture
def server_url(server: tuple[str, Path]) -> str:
    return server[0]


@pytest.fixture
def http(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url + PREFIX, timeout=30) as client:
        yield client


@pytest.fixture
def deployment() -> str:
    return f"ct-{uuid.uuid4().hex[:12]}"
