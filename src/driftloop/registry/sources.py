"""Where a registered version points: turn a model URI into a stored ``source`` and run id."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import TYPE_CHECKING

from driftloop.errors import ModelFormatError
from driftloop.models.manifest import MANIFEST_FILE, read_manifest
from driftloop.models.mlflow_compat import MLMODEL_FILE
from driftloop.models.uri import parse_model_uri, resolve_model_version

if TYPE_CHECKING:
    from driftloop.tracking.client import Client

_MODEL_FILES = frozenset({MANIFEST_FILE, MLMODEL_FILE})


def resolve_registration_source(client: Client, model_uri: str) -> tuple[str, str | None]:
    """The ``(source, run_id)`` to store for a new version of the model at ``model_uri``.

    Raises:
        ModelFormatError: No model directory is at the URI.
        NotFoundError: The run or registry entry named by the URI does not exist.
    """
    parsed = parse_model_uri(model_uri)
    if parsed.kind == "models":
        version = resolve_model_version(client, parsed)
        return version.source, version.run_id
    if parsed.kind == "runs":
        assert parsed.run_id is not None  # noqa: S101 - set by the parser
        run = client.get_run(parsed.run_id)
        listed = client.list_artifacts(run.info.run_id, parsed.path or None)
        if not any(posixpath.basename(item.path) in _MODEL_FILES for item in listed):
            raise ModelFormatError(
                f"{model_uri!r} holds no model (no {MANIFEST_FILE} or {MLMODEL_FILE})",
                field="model_uri",
            )
        root = run.info.artifact_uri.rstrip("/")
        return (f"{root}/{parsed.path}" if parsed.path else root), run.info.run_id
    if parsed.kind == "path":
        assert parsed.path is not None  # noqa: S101 - set by the parser
        local = Path(parsed.path).expanduser().absolute()
        if (local / MANIFEST_FILE).is_file():
            return str(local), read_manifest(local).run_id
        if (local / MLMODEL_FILE).is_file():
            return str(local), None
        raise ModelFormatError(
            f"{str(local)!r} is not a model directory (no {MANIFEST_FILE} or {MLMODEL_FILE})",
            field="model_uri",
        )
    return parsed.uri, None
