"""The MLflow artifact proxy: upload, download, list, delete, and every traversal refused."""

from __future__ import annotations

import http.client
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from driftloop.server.config import ServerConfig

BASE = "/api/2.0/mlflow-artifacts/artifacts"


def test_upload_download_list_delete(http: httpx.Client, server_config: ServerConfig) -> None:
    assert http.put(f"{BASE}/1/run/artifacts/a.txt", content=b"hello").status_code == 200
    assert http.put(f"{BASE}/1/run/artifacts/sub/b.bin", content=b"\x00" * 10).status_code == 200
    root = Path(server_config.artifacts_destination)
    assert (root / "1" / "run" / "artifacts" / "a.txt").read_bytes() == b"hello"
    download = http.get(f"{BASE}/1/run/artifacts/a.txt")
    assert download.status_code == 200
    assert download.content == b"hello"
    listing = http.get(BASE, params={"path": "1/run/artifacts"}).json()
    assert listing["files"] == [
        {"path": "a.txt", "is_dir": False, "file_size": 5},
        {"path": "sub", "is_dir": True},
    ]
    assert http.delete(f"{BASE}/1/run/artifacts/sub").status_code == 200
    assert not (root / "1" / "run" / "artifacts" / "sub").exists()
    missing = http.get(f"{BASE}/1/run/artifacts/nope.txt")
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_upload_over_the_limit_is_refused(tmp_path: Path) -> None:
    from driftloop.testing.live_server import live_server

    config = ServerConfig(
        backend_store_uri=f"sqlite:///{tmp_path / 's.db'}",
        artifacts_destination=str(tmp_path / "artifacts"),
        port=0,
        max_upload_bytes=10,
    )
    with live_server(config) as url, httpx.Client(base_url=url) as client:
        response = client.put(f"{BASE}/big.bin", content=b"x" * 11)
    assert response.status_code == 413
    assert not (tmp_path / "artifacts" / "big.bin").exists()


TRAVERSALS = [
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "a/%2e%2e/%2e%2e/outside.txt",
    "%252e%252e/%252e%252e/outside.txt",
    "%25252e%25252e/outside.txt",
    "..%5C..%5Coutside.txt",
    "a%5C..%5C..%5Coutside.txt",
    "/etc/passwd",
    "%2Fetc%2Fpasswd",
    "//etc/passwd",
    "C:%5Coutside.txt",
    "a%23/../../outside.txt",
    "a%3F/../../outside.txt",
    "a%00b.txt",
    "~/outside.txt",
]


def _raw(server_url: str, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    """Send the path exactly as written (httpx would normalise dot segments)."""
    netloc = urlsplit(server_url).netloc
    connection = http.client.HTTPConnection(netloc, timeout=10)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_traversal_is_refused(server_url: str, tmp_path: Path, method: str) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    for payload in TRAVERSALS:
        body = b"pwned" if method == "PUT" else None
        status, answer = _raw(server_url, method, f"{BASE}/{payload}", body)
        assert status in {400, 404}, (payload, answer)
        if status == 400:
            assert b"Invalid path" in answer or b"INVALID_PARAMETER_VALUE" in answer
        assert b"root:" not in answer
    assert outside.read_text() == "secret"


@pytest.mark.parametrize("payload", ["../../outside.txt", "a/../../outside.txt", "..\\outside.txt"])
def test_literal_dot_dot_is_refused(server_url: str, tmp_path: Path, payload: str) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    for method in ("GET", "PUT", "DELETE"):
        status, body = _raw(
            server_url, method, f"{BASE}/{payload}", b"x" if method == "PUT" else None
        )
        assert status in {400, 404}, (method, body)
    assert outside.read_text() == "secret"


@pytest.mark.parametrize("path", ["..", "../..", "/etc", "a/../..", "%2e%2e", "a#b", "a?b"])
def test_listing_traversal_is_refused(http: httpx.Client, path: str) -> None:
    response = http.get(BASE, params={"path": path})
    assert response.status_code == 400
    assert response.json() == {
        "error_code": "INVALID_PARAMETER_VALUE",
        "message": "Invalid path",
        "field": "path",
    }


def test_symlink_out_of_the_root_is_refused(
    http: httpx.Client, server_config: ServerConfig, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    root = Path(server_config.artifacts_destination)
    root.mkdir(parents=True, exist_ok=True)
    (root / "link").symlink_to(outside)
    assert http.get(f"{BASE}/link/secret.txt").status_code == 400
    assert http.put(f"{BASE}/link/new.txt", content=b"x").status_code == 400
    assert not (outside / "new.txt").exists()
    assert http.delete(f"{BASE}/link/secret.txt").status_code == 400
    assert (outside / "secret.txt").exists()
    assert http.get(BASE, params={"path": "link"}).status_code == 400
