"""MLflow's artifact proxy: list, download, upload and delete below the artifacts destination.

Paths are relative to the server's artifacts destination and confined to it: every path goes
through :func:`driftloop.artifacts.paths.validate_artifact_path` (which looks through repeated
percent-encoding, refuses ``..``, absolute paths, backslashes, ``?``, ``#`` and control
characters), and local destinations also refuse symlinks that lead out of the root. A refused
path answers 400 ``INVALID_PARAMETER_VALUE`` "Invalid path", as MLflow does, and touches
nothing.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, Response

from driftloop.artifacts.local import LocalArtifactRepository
from driftloop.artifacts.paths import validate_artifact_file, validate_artifact_path
from driftloop.errors import ArtifactPathError, InvalidParameterError
from driftloop.server.mlflow_api.convert import file_info_json
from driftloop.server.params import BodyTooLargeError
from driftloop.server.routing import Call, Endpoint, Permission, Resource, endpoint

_BASE = "/mlflow-artifacts/artifacts"
_CHUNK = 1024 * 1024


@contextlib.contextmanager
def _confined() -> Iterator[None]:
    try:
        yield
    except ArtifactPathError as e:
        raise InvalidParameterError("Invalid path", field="path") from e


def _path_param(call: Call, *, file: bool) -> str:
    raw = call.request.path_params.get("path", "")
    with _confined():
        return validate_artifact_file(raw, field="path") if file else validate_artifact_path(raw)


async def list_proxied(call: Call) -> dict[str, Any]:
    """List the direct children of ``path`` (names relative to it)."""
    with _confined():
        relative = validate_artifact_path(call.params.string("path"), field="path")
        infos = await run_in_threadpool(call.state.artifacts.list_artifacts, relative or None)
    return {"files": [file_info_json(info, relative) for info in infos]}


async def download(call: Call) -> Response:
    """Stream one file."""
    relative = _path_param(call, file=True)
    repo = call.state.artifacts
    if isinstance(repo, LocalArtifactRepository):
        return FileResponse(_local_file(repo, relative), media_type="application/octet-stream")
    with _confined():
        data = await run_in_threadpool(repo.read_bytes, relative)
    return Response(data, media_type="application/octet-stream")


def _local_file(repo: LocalArtifactRepository, relative: str) -> Path:
    try:
        return repo.file_path(relative)
    except ArtifactPathError as error:
        raise InvalidParameterError("Invalid path", field="path") from error


async def upload(call: Call) -> Response:
    """Store the raw request body as one file (at most ``max_upload_bytes``)."""
    relative = _path_param(call, file=True)
    directory, _, name = relative.rpartition("/")
    limit = call.state.config.max_upload_bytes
    declared = call.request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError(f"upload over {limit} bytes", field="body")
    with tempfile.TemporaryDirectory(prefix="driftloop-upload-") as scratch:
        local = Path(scratch) / name
        size = 0
        with local.open("wb") as out:
            async for chunk in call.request.stream():
                size += len(chunk)
                if size > limit:
                    raise BodyTooLargeError(f"upload over {limit} bytes", field="body")
                out.write(chunk)
        with _confined():
            await run_in_threadpool(call.state.artifacts.log_artifact, local, directory or None)
    return Response(status_code=200)


async def delete(call: Call) -> dict[str, Any]:
    """Delete a file or a directory tree."""
    relative = _path_param(call, file=True)
    with _confined():
        await run_in_threadpool(call.state.artifacts.delete_artifacts, relative)
    return {}


_PATH = Resource.ARTIFACT_PATH

ENDPOINTS: list[Endpoint] = [
    endpoint(_BASE, "GET", list_proxied, Permission.READ, _PATH),
    endpoint(f"{_BASE}/{{path:path}}", "GET", download, Permission.READ, _PATH),
    endpoint(f"{_BASE}/{{path:path}}", "PUT", upload, Permission.EDIT, _PATH, raw_body=True),
    endpoint(f"{_BASE}/{{path:path}}", "DELETE", delete, Permission.EDIT, _PATH),
]
