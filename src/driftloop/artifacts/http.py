"""Artifact repository over a driftloop (or MLflow) server's artifact proxy.

A root URI ``mlflow-artifacts:/<path>`` names ``<path>`` below the server's artifacts
destination; the server is the one in ``mlflow-artifacts://host:port/<path>``, else the current
``http(s)`` tracking URI. Files travel through ``/api/2.0/mlflow-artifacts/artifacts/...``
(GET to download, PUT to upload, DELETE, and ``?path=`` to list), so clients need no storage
credentials of their own. Paths are validated here, before any request, as every repository
does.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx

from driftloop.artifacts._sources import existing_file, walk_files
from driftloop.artifacts.base import ArtifactRepository
from driftloop.artifacts.paths import (
    join_artifact_path,
    validate_artifact_file,
    validate_artifact_path,
)
from driftloop.entities import FileInfo
from driftloop.errors import ArtifactNotFoundError, UnsupportedUriError
from driftloop.store.rest.client import RestClient
from driftloop.store.rest.errors import error_from_response

__all__ = ["PROXY_PATH", "HttpArtifactRepository"]

#: Where the artifact proxy is mounted on the server.
PROXY_PATH = "/api/2.0/mlflow-artifacts/artifacts"
SCHEME = "mlflow-artifacts"


def _client_for(base_url: str) -> RestClient:
    """The HTTP client of the server's (cached) REST stores, so connections are shared."""
    from driftloop.store.rest import RestStores
    from driftloop.tracking.uri import get_stores

    stores = get_stores(base_url)
    assert isinstance(stores, RestStores)  # noqa: S101 - an http(s) URI gives REST stores
    return stores.client


def _server_of(root_uri: str, base_url: str | None) -> tuple[str, str]:
    """The server's base URL and the root's path below the destination."""
    parts = urlsplit(root_uri)
    if parts.scheme.lower() != SCHEME:
        raise UnsupportedUriError(
            f"artifact URI {root_uri!r} is not an {SCHEME}: URI", field="artifact_uri"
        )
    root = validate_artifact_path(parts.path.lstrip("/"), field="artifact_uri")
    if base_url is None and parts.netloc:
        base_url = f"http://{parts.netloc}"
    if base_url is None:
        from driftloop.tracking.uri import get_tracking_uri

        tracking_uri = get_tracking_uri()
        if urlsplit(tracking_uri).scheme.lower() not in {"http", "https"}:
            raise UnsupportedUriError(
                f"artifact URI {root_uri!r} is served by a tracking server, but the tracking "
                f"URI {tracking_uri!r} is not http(s)://; set it to the server's URL",
                field="artifact_uri",
            )
        base_url = tracking_uri
    return base_url.rstrip("/"), root


class HttpArtifactRepository(ArtifactRepository):
    """Artifacts below ``mlflow-artifacts:/<path>``, reached through the server's proxy.

    Args:
        root_uri: ``mlflow-artifacts:/<path>`` or ``mlflow-artifacts://host:port/<path>``.
        base_url: The server (``http(s)://host:port``); default: from ``root_uri``'s host,
            else the current tracking URI.
        client: The HTTP client to use (default: one shared client per server).
    """

    def __init__(
        self, root_uri: str, base_url: str | None = None, *, client: RestClient | None = None
    ) -> None:
        super().__init__(root_uri)
        base, self._root = _server_of(root_uri, base_url)
        self._client = client or _client_for(base)

    def _url(self, rel: str) -> str:
        return PROXY_PATH + "/" + quote(join_artifact_path(self._root, rel), safe="/")

    def _put(self, data: bytes, rel: str) -> None:
        headers = {"Content-Type": "application/octet-stream"}
        response = self._client.request("PUT", self._url(rel), content=data, headers=headers)
        _check(response)

    def log_artifact(self, local_file: str | Path, artifact_path: str | None = None) -> None:
        """Upload one local file into the directory ``artifact_path`` (root when None)."""
        base = validate_artifact_path(artifact_path)
        source = existing_file(local_file)
        self._put(source.read_bytes(), join_artifact_path(base, source.name))

    def log_artifacts(self, local_dir: str | Path, artifact_path: str | None = None) -> None:
        """Upload a local directory's contents, recursively, into ``artifact_path``."""
        base = validate_artifact_path(artifact_path)
        for source, rel in walk_files(local_dir):
            self._put(source.read_bytes(), join_artifact_path(base, rel))

    def log_bytes(self, data: bytes, artifact_file: str) -> None:
        """Upload ``data`` as the file ``artifact_file`` (the server replaces it atomically)."""
        self._put(data, validate_artifact_file(artifact_file))

    def read_bytes(self, artifact_file: str) -> bytes:
        """Download one file; raises ``ArtifactNotFoundError`` if there is none."""
        rel = validate_artifact_file(artifact_file)
        content = self._read(rel)
        if content is None:
            raise ArtifactNotFoundError(f"no artifact file at {rel!r}", field="artifact_file")
        return content

    def _read(self, rel: str) -> bytes | None:
        response = self._client.request("GET", self._url(rel))
        if response.status_code == 404:
            return None
        _check(response)
        return response.content

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        """List the direct children of ``path`` (root when None), sorted by path."""
        rel = validate_artifact_path(path, field="path")
        listed = join_artifact_path(self._root, rel)
        response = self._client.request("GET", PROXY_PATH, params={"path": listed})
        _check(response)
        infos = []
        for item in response.json().get("files") or []:
            child = join_artifact_path(rel, item["path"])
            size = item.get("file_size")
            is_dir = bool(item.get("is_dir"))
            infos.append(FileInfo(child, is_dir, None if is_dir else int(size or 0)))
        return sorted(infos, key=lambda info: info.path)

    def _walk(self, rel: str) -> list[str]:
        files: list[str] = []
        for info in self.list_artifacts(rel or None):
            files.extend(self._walk(info.path) if info.is_dir else [info.path])
        return files

    def download_artifacts(
        self, artifact_path: str = "", dst_path: str | Path | None = None
    ) -> Path:
        """Download a file or a directory tree; the copy keeps the artifact's relative path."""
        rel = validate_artifact_path(artifact_path)
        content = self._read(rel) if rel else None
        files = [] if content is not None else self._walk(rel)
        if rel and content is None and not files:
            raise ArtifactNotFoundError(f"no artifact at {rel!r}", field="artifact_path")
        dst_root = Path(tempfile.mkdtemp()) if dst_path is None else Path(dst_path)
        target = dst_root.joinpath(*rel.split("/")) if rel else dst_root
        if content is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            return target
        target.mkdir(parents=True, exist_ok=True)
        prefix = f"{rel}/" if rel else ""
        for file in files:
            copy = target.joinpath(*file[len(prefix) :].split("/"))
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(self.read_bytes(file))
        return target

    def delete_artifacts(self, artifact_path: str = "") -> None:
        """Delete a file or a directory tree (the whole root when empty)."""
        rel = validate_artifact_path(artifact_path)
        if not self._root and not rel:
            for info in self.list_artifacts():
                self.delete_artifacts(info.path)
            return
        response = self._client.request("DELETE", self._url(rel))
        if response.status_code != 404:
            _check(response)


def _check(response: httpx.Response) -> None:
    """Raise the driftloop error of a failed proxy response."""
    if response.is_success:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    raise error_from_response(response.status_code, body, response.text)
