"""``mlflow-artifacts:`` URIs resolve to the artifact proxy of the tracking server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import driftloop
from driftloop.artifacts import get_artifact_repository
from driftloop.artifacts.http import HttpArtifactRepository
from driftloop.errors import ArtifactNotFoundError, ArtifactPathError, UnsupportedUriError
from driftloop.store.rest import RestClient
from driftloop.tracking import uri


@pytest.fixture(autouse=True)
def _isolated_tracking(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("DRIFTLOOP_TRACKING_URI", raising=False)
    uri._reset_for_tests()
    yield
    uri._reset_for_tests()


def test_proxy_uri_resolves_against_the_http_tracking_uri() -> None:
    driftloop.set_tracking_uri("http://tracking.example:5000")
    repo = get_artifact_repository("mlflow-artifacts:/1/abc/artifacts")
    assert isinstance(repo, HttpArtifactRepository)
    assert repo.root_uri == "mlflow-artifacts:/1/abc/artifacts"


def test_proxy_uri_with_a_host_names_its_server(tmp_path: Path) -> None:
    driftloop.set_tracking_uri(tmp_path)
    repo = get_artifact_repository("mlflow-artifacts://other:5000/1/abc")
    assert isinstance(repo, HttpArtifactRepository)


def test_proxy_uri_needs_an_http_tracking_uri(tmp_path: Path) -> None:
    driftloop.set_tracking_uri(tmp_path)
    with pytest.raises(UnsupportedUriError, match=r"is not http\(s\)://"):
        get_artifact_repository("mlflow-artifacts:/1/abc")


def test_paths_are_checked_before_any_request() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected request {request.url}")

    client = RestClient("http://server", transport=httpx.MockTransport(refuse), headers={})
    repo = HttpArtifactRepository("mlflow-artifacts:/r", "http://server", client=client)
    with pytest.raises(ArtifactPathError, match="escape"):
        repo.log_bytes(b"x", "../escape.txt")
    with pytest.raises(ArtifactPathError, match=r"has a '\.\.' segment"):
        HttpArtifactRepository("mlflow-artifacts:/../up", "http://server", client=client)


def test_requests_go_to_the_proxy_with_encoded_paths() -> None:
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, str(request.url.raw_path.decode())))
        if request.method == "GET":
            return httpx.Response(404, json={"error_code": "RESOURCE_DOES_NOT_EXIST"})
        return httpx.Response(200)

    client = RestClient("http://server", transport=httpx.MockTransport(handler), headers={})
    repo = HttpArtifactRepository("mlflow-artifacts:/1/run", "http://server", client=client)
    repo.log_bytes(b"x", "d/100%.txt")
    with pytest.raises(ArtifactNotFoundError, match="missing"):
        repo.read_bytes("missing.txt")
    assert seen == [
        ("PUT", "/api/2.0/mlflow-artifacts/artifacts/1/run/d/100%25.txt"),
        ("GET", "/api/2.0/mlflow-artifacts/artifacts/1/run/missing.txt"),
    ]
