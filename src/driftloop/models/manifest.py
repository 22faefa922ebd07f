"""The model manifest: the version-stamped file that says what a model directory holds.

``manifest.json`` sits at the root of every driftloop model directory. It names the flavor and
the options its loader needs, when and by which driftloop and Python the model was written,
the run it came from, and the SHA-256 of every other file, so a tampered or truncated file is
refused on load instead of being handed to a deserializer.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftloop._version import __version__
from driftloop.errors import FormatVersionWarning, ModelFormatError

MANIFEST_FILE = "manifest.json"
MODEL_FORMAT_VERSION = 1
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ModelManifest:
    """What a model directory holds and how to load it.

    Attributes:
        flavor: The flavor that wrote the model (``sklearn``, ``xgboost``, ``pytorch``...).
        flavor_options: What the flavor's loader needs (file names, class references...).
        model_uuid: Unique id of this saved model.
        created_at: Creation time, ISO 8601 UTC.
        python_version: ``major.minor.micro`` of the Python that saved the model.
        files: Relative path -> ``sha256:<hex>`` of every file besides the manifest.
        run_id: The run the model was logged to, or None for a plain ``save_model``.
        artifact_path: The model's path in that run's artifacts.
        format_version: Version of this directory format.
        driftloop_version: The driftloop that wrote it.
    """

    flavor: str
    flavor_options: Mapping[str, Any]
    model_uuid: str
    created_at: str
    python_version: str
    files: Mapping[str, str] = field(default_factory=dict)
    run_id: str | None = None
    artifact_path: str | None = None
    format_version: int = MODEL_FORMAT_VERSION
    driftloop_version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        """The manifest as JSON-ready data."""
        return {
            "format_version": self.format_version,
            "driftloop_version": self.driftloop_version,
            "flavor": self.flavor,
            "flavor_options": dict(self.flavor_options),
            "loader": f"driftloop.models.flavors.{self.flavor}",
            "model_uuid": self.model_uuid,
            "created_at": self.created_at,
            "python_version": self.python_version,
            "run_id": self.run_id,
            "artifact_path": self.artifact_path,
            "files": dict(sorted(self.files.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelManifest:
        """Read a manifest; warns with :class:`FormatVersionWarning` on another format version.

        Raises:
            ModelFormatError: A required field is missing or has the wrong type.
        """
        version = _field(data, "format_version", int)
        if version != MODEL_FORMAT_VERSION:
            warnings.warn(
                f"model format version {version} differs from this driftloop's "
                f"{MODEL_FORMAT_VERSION}; loading may fail",
                FormatVersionWarning,
                stacklevel=2,
            )
        files = _field(data, "files", dict)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
            raise ModelFormatError(
                "manifest field 'files' must map paths to digests", field="files"
            )
        return cls(
            flavor=_field(data, "flavor", str),
            flavor_options=_field(data, "flavor_options", dict),
            model_uuid=_field(data, "model_uuid", str),
            created_at=_field(data, "created_at", str),
            python_version=_field(data, "python_version", str),
            files=files,
            run_id=_optional(data, "run_id"),
            artifact_path=_optional(data, "artifact_path"),
            format_version=version,
            driftloop_version=_field(data, "driftloop_version", str),
        )


def write_manifest(directory: Path, manifest: ModelManifest) -> None:
    """Write ``manifest.json`` into ``directory``."""
    text = json.dumps(manifest.to_dict(), indent=2, allow_nan=False)
    (directory / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")


def read_manifest(directory: Path) -> ModelManifest:
    """Read and check ``directory/manifest.json``.

    Raises:
        ModelFormatError: There is no manifest, or it is not valid JSON or lacks fields.
    """
    path = directory / MANIFEST_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ModelFormatError(
            f"{str(directory)!r} is not a driftloop model directory (no {MANIFEST_FILE})",
            field="model_uri",
        ) from error
    except (OSError, ValueError) as error:
        raise ModelFormatError(f"{MANIFEST_FILE} is not valid JSON", field="manifest") from error
    if not isinstance(data, dict):
        raise ModelFormatError(f"{MANIFEST_FILE} must hold a JSON object", field="manifest")
    return ModelManifest.from_dict(data)


def file_digest(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_HASH_CHUNK):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


def digest_files(directory: Path) -> dict[str, str]:
    """Digest every file under ``directory`` except the manifest, by POSIX relative path."""
    manifest = directory / MANIFEST_FILE
    return {
        path.relative_to(directory).as_posix(): file_digest(path)
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path != manifest
    }


def verify_files(directory: Path, manifest: ModelManifest) -> None:
    """Check that every file the manifest lists is present and unchanged.

    Raises:
        ModelFormatError: A listed file is missing, leaves the directory, or its digest differs.
    """
    root = directory.resolve()
    for relative, expected in manifest.files.items():
        path = (directory / relative).resolve()
        if not path.is_relative_to(root) or relative.startswith("/"):
            raise ModelFormatError(
                f"manifest lists {relative!r}, which is outside the model directory", field="files"
            )
        if not path.is_file():
            raise ModelFormatError(f"model file {relative!r} is missing", field="files")
        if file_digest(path) != expected:
            raise ModelFormatError(
                f"model file {relative!r} does not match its digest in {MANIFEST_FILE}; "
                "it was changed or truncated after the model was saved",
                field="files",
            )


def _field(data: Mapping[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ModelFormatError(
            f"manifest field {name!r} must be a {kind.__name__}, got {type(value).__name__}",
            field=name,
        )
    return value


def _optional(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise ModelFormatError(f"manifest field {name!r} must be a string or null", field=name)
    return value
