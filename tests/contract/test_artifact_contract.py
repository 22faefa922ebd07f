"""The artifact repository contract, bound to the local, the S3 and the HTTP (proxy) backend.

HTTP goes through the artifact proxy of the session's live server (``rest_server_url`` in
``conftest.py``); every test gets a fresh ``mlflow-artifacts:/`` prefix. S3 runs against a real
``rclone serve s3`` (see ``s3_server.py``), one per session and per
xdist worker; every test gets a fresh key prefix in its bucket.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.contract.s3_server import S3Server, require_rclone, run_s3_server

from driftloop.artifacts import ArtifactRepository, LocalArtifactRepository, S3ArtifactRepository
from driftloop.artifacts.http import HttpArtifactRepository
from driftloop.testing.artifact_contract import ArtifactRepositoryContract

BACKENDS = [
    pytest.param("local", id="local"),
    pytest.param("s3", id="s3", marks=pytest.mark.s3),
    pytest.param("http", id="http"),
]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """One ``rclone serve s3`` for the session (per xdist worker)."""
    rclone = require_rclone()
    with run_s3_server(rclone, tmp_path_factory.mktemp("s3-server")) as server:
        yield server


def s3_repository(server: S3Server, prefix: str) -> S3ArtifactRepository:
    return S3ArtifactRepository(
        f"s3://{server.bucket}/{prefix}",
        endpoint_url=server.endpoint_url,
        key=server.access_key,
        secret=server.secret_key,
        region="us-east-1",
    )


@pytest.fixture(params=BACKENDS)
def artifact_repo(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactRepository:
    """A fresh, empty repository of each backend."""
    if request.param == "local":
        root = tmp_path / "sandbox" / "root"
        root.mkdir(parents=True)
        return LocalArtifactRepository(root.as_uri())
    if request.param == "http":
        url: str = request.getfixturevalue("rest_server_url")
        return HttpArtifactRepository(f"mlflow-artifacts:/{uuid.uuid4().hex}/artifacts", url)
    server: S3Server = request.getfixturevalue("s3_server")
    return s3_repository(server, f"{uuid.uuid4().hex}/artifacts")


class TestArtifactRepositoryContract(ArtifactRepositoryContract):
    """Runs the whole contract over every backend of ``artifact_repo``."""
