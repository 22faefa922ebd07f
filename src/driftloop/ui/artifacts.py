"""A run's artifacts for the browser: listing, preview and download, confined to the run.

Paths come from the query string and go through the server's artifact path check
(:func:`driftloop.artifacts.paths.validate_artifact_path`: no ``..``, no absolute paths, no
encoded tricks) before being joined below the run's artifact root, itself below the
server's artifacts destination; local files are also resolved and checked to stay inside
(symlinks). Runs whose artifacts live elsewhere are not browsable through the server, as
for the API.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from driftloop.artifacts.local import LocalArtifactRepository
from driftloop.artifacts.paths import join_artifact_path, validate_artifact_path
from driftloop.entities import Run
from driftloop.errors import ArtifactPathError, InvalidParameterError
from driftloop.server.mlflow_api.artifact_uris import relative_to_destination
from driftloop.server.routing import Call

PREVIEW_BYTES = 1024 * 1024
"""Largest file previewed in the page (larger ones are only downloadable)."""
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
TEXT_SUFFIXES = frozenset(
    {".txt", ".log", ".csv", ".tsv", ".md", ".py", ".cfg", ".ini", ".toml", ".rst", ".sql"}
)
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
MANIFEST_FILES = ("manifest.json", "MLmodel")
"""The model manifest (driftloop's) and MLflow's model file, previewed as a model summary."""

PreviewKind = Literal["json", "yaml", "text", "image", "binary", "too_large"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One listed artifact: path relative to the run's artifact root."""

    path: str
    name: str
    is_dir: bool
    size: int | None


@dataclass(frozen=True, slots=True)
class Preview:
    """What the page shows for one file.

    Attributes:
        path: The file, relative to the run's artifact root.
        kind: How it is shown.
        text: The text (pretty-printed for JSON), empty for images and binaries.
        manifest: Summary rows when the file is a model manifest (``manifest.json`` of
            driftloop or MLflow's ``MLmodel``), else empty.
        size: Size in bytes when known.
    """

    path: str
    kind: PreviewKind
    text: str = ""
    manifest: list[tuple[str, str]] = field(default_factory=list)
    size: int | None = None


def artifact_base(call: Call, run: Run) -> str | None:
    """The run's artifact root below the server's destination, or None if outside it."""
    return relative_to_destination(run.info.artifact_uri, call.state.config.artifacts_destination)


def clean_path(value: str | None, name: str) -> str:
    """A query parameter as a safe relative artifact path.

    Raises:
        InvalidParameterError: The path is unsafe (400, "Invalid path" as for the API).
    """
    try:
        return validate_artifact_path(value, field=name)
    except ArtifactPathError as error:
        raise InvalidParameterError(f"Invalid path: {error}", field=name) from error


def list_entries(call: Call, base: str, directory: str) -> list[Entry]:
    """The direct children of ``directory``, directories first."""
    root = base.rstrip("/")
    infos = call.state.artifacts.list_artifacts(join_artifact_path(root, directory) or None)
    entries = []
    for info in infos:
        relative = info.path[len(root) + 1 :] if root else info.path
        name = relative.rsplit("/", 1)[-1]
        entries.append(Entry(relative, name, info.is_dir, info.file_size))
    return sorted(entries, key=lambda e: (not e.is_dir, e.name.lower()))


def preview(call: Call, base: str, path: str, size: int | None) -> Preview:
    """Read ``path`` (a file) and decide how to show it."""
    name = path.rsplit("/", 1)[-1]
    suffix = Path(name).suffix.lower()
    if suffix in IMAGE_TYPES:
        return Preview(path, "image", size=size)
    if size is not None and size > PREVIEW_BYTES:
        return Preview(path, "too_large", size=size)
    data = read_bytes(call, base, path)
    if len(data) > PREVIEW_BYTES:
        return Preview(path, "too_large", size=len(data))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Preview(path, "binary", size=len(data))
    manifest = manifest_rows(name, text)
    if suffix == ".json":
        try:
            return Preview(
                path, "json", json.dumps(json.loads(text), indent=2), manifest, len(data)
            )
        except ValueError:
            return Preview(path, "text", text, manifest, len(data))
    if suffix in YAML_SUFFIXES or name == "MLmodel":
        return Preview(path, "yaml", text, manifest, len(data))
    if suffix in TEXT_SUFFIXES or "\x00" not in text:
        return Preview(path, "text", text, manifest, len(data))
    return Preview(path, "binary", size=len(data))


def manifest_rows(name: str, text: str) -> list[tuple[str, str]]:
    """Summary rows of a model manifest; empty for any other file."""
    if name not in MANIFEST_FILES:
        return []
    try:
        data: Any = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        return []
    if not isinstance(data, dict):
        return []
    rows = [(str(k), _short(v)) for k, v in data.items() if k not in {"files", "flavors"}]
    if isinstance(data.get("flavors"), dict):
        rows.insert(0, ("flavors", ", ".join(str(k) for k in data["flavors"])))
    if isinstance(data.get("files"), dict):
        rows.append(("files", f"{len(data['files'])} (each with its SHA-256)"))
    return rows


def read_bytes(call: Call, base: str, path: str) -> bytes:
    """The content of one artifact file of the run.

    Raises:
        ArtifactNotFoundError: No such file.
        InvalidParameterError: The path is unsafe.
    """
    local = local_file(call, base, path)
    if local is not None:
        return local.read_bytes()
    try:
        return call.state.artifacts.read_bytes(join_artifact_path(base, path))
    except ArtifactPathError as error:
        raise InvalidParameterError("Invalid path", field="path") from error


def local_file(call: Call, base: str, path: str) -> Path | None:
    """The file on disk when the server's artifacts are local (checked to stay inside).

    Raises:
        ArtifactNotFoundError: No such file.
        InvalidParameterError: The path leaves the artifact root (a symlink).
    """
    repo = call.state.artifacts
    if not isinstance(repo, LocalArtifactRepository):
        return None
    try:
        return repo.file_path(join_artifact_path(base, path))
    except ArtifactPathError as error:
        raise InvalidParameterError("Invalid path", field="path") from error


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 200 else text[:200] + "..."
