"""Model URIs: where a model is, in the runs, the registry, an artifact store or on disk.

Forms: ``runs:/<run_id>/<path>``, ``models:/<name>/<version>``, ``models:/<name>@<alias>``,
``models:/<name>/latest``, ``models:/m-<32 hex>`` (an MLflow 3 logged model), artifact URIs
(``s3://``, ``file:``) and local paths.

:func:`parse_model_uri` is pure; :func:`fetch_model` turns a URI into a local directory,
downloading from the artifact store when the model is not on this machine.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from driftloop.errors import InvalidParameterError, ModelFormatError

if TYPE_CHECKING:
    from driftloop.entities import ModelVersion
    from driftloop.tracking.client import Client

_RUNS = re.compile(r"^runs:/(?P<run_id>[^/]+)(?:/(?P<path>.*))?$")
_MODELS_ALIAS = re.compile(r"^models:/(?P<name>[^/@]+)@(?P<alias>[^/@]+)/?$")
_LOGGED_MODEL = re.compile(r"^models:/(?P<model_id>m-[0-9a-f]{32})/?$")
_MODELS_VERSION = re.compile(r"^models:/(?P<name>[^/@]+)/(?P<version>[^/@]+)/?$")


@dataclass(frozen=True, slots=True)
class ModelUri:
    """A parsed model URI; exactly the fields of its ``kind`` are set.

    Attributes:
        kind: ``"runs"``, ``"models"``, ``"logged_model"``, ``"path"`` (local) or
            ``"artifact"`` (a store URI).
        uri: The URI as given.
        run_id: For ``runs:/``.
        path: The artifact path for ``runs:/``; the local path for ``"path"``.
        name: The registered model for ``models:/``.
        version: A version number, or None for an alias or ``latest``.
        alias: An alias (``latest`` is kept as alias ``"latest"``... see :attr:`latest`).
        latest: ``models:/<name>/latest``.
        model_id: The logged model id for ``models:/m-<hex>``.
    """

    kind: str
    uri: str
    run_id: str | None = None
    path: str | None = None
    name: str | None = None
    version: int | None = None
    alias: str | None = None
    latest: bool = False
    model_id: str | None = None


def parse_model_uri(uri: str | os.PathLike[str]) -> ModelUri:
    """Parse a model URI or path.

    Raises:
        InvalidParameterError: The URI is empty or malformed (``field="model_uri"``).
    """
    if not isinstance(uri, str | os.PathLike):
        raise InvalidParameterError(
            f"model_uri must be a string or a path, got {type(uri).__name__}", field="model_uri"
        )
    text = os.fspath(uri).strip()
    if not text:
        raise InvalidParameterError("model_uri must not be empty", field="model_uri")
    if text.startswith("runs:"):
        return _parse_runs(text)
    if text.startswith("models:"):
        return _parse_models(text)
    scheme = urlsplit(text).scheme.lower()
    if scheme == "file":
        return ModelUri(kind="path", uri=text, path=unquote(urlsplit(text).path))
    if len(scheme) <= 1:  # no scheme, or a Windows drive letter
        return ModelUri(kind="path", uri=text, path=text)
    return ModelUri(kind="artifact", uri=text)


def _parse_runs(text: str) -> ModelUri:
    match = _RUNS.match(text)
    if match is None:
        raise InvalidParameterError(
            f"{text!r} is not a runs URI; expected runs:/<run_id>/<artifact_path>",
            field="model_uri",
        )
    path = (match.group("path") or "").strip("/")
    return ModelUri(kind="runs", uri=text, run_id=match.group("run_id"), path=path)


def _parse_models(text: str) -> ModelUri:
    logged = _LOGGED_MODEL.match(text)
    if logged is not None:
        return ModelUri(kind="logged_model", uri=text, model_id=logged["model_id"])
    match = _MODELS_ALIAS.match(text)
    if match is not None:
        return ModelUri(kind="models", uri=text, name=match["name"], alias=match["alias"])
    match = _MODELS_VERSION.match(text)
    if match is None:
        raise InvalidParameterError(
            f"{text!r} is not a models URI; expected models:/<name>/<version>, "
            "models:/<name>@<alias> or models:/<name>/latest",
            field="model_uri",
        )
    version = match["version"]
    if version == "latest":
        return ModelUri(kind="models", uri=text, name=match["name"], latest=True)
    if not version.isdigit() or int(version) < 1:
        raise InvalidParameterError(
            f"model version must be a positive integer or 'latest', got {version!r}",
            field="model_uri",
        )
    return ModelUri(kind="models", uri=text, name=match["name"], version=int(version))


def resolve_model_version(client: Client, parsed: ModelUri) -> ModelVersion:
    """The registered version a ``models:/`` URI points at.

    Raises:
        RegisteredModelNotFoundError, ModelVersionNotFoundError, AliasNotFoundError: As named.
    """
    if parsed.name is None:
        raise InvalidParameterError(f"{parsed.uri!r} is not a models URI", field="model_uri")
    if parsed.alias is not None:
        return client.get_version_by_alias(parsed.name, parsed.alias)
    if parsed.latest:
        return client.get_latest_version(parsed.name)
    assert parsed.version is not None  # noqa: S101 - set by _parse_models
    return client.get_model_version(parsed.name, parsed.version)


def fetch_model(client: Client | None, uri: str | os.PathLike[str], dst: Path) -> tuple[Path, str]:
    """Make the model at ``uri`` available as a local directory.

    Local paths are used in place; everything else is downloaded under ``dst``. ``client``
    (the tracking store) is needed only for ``runs:/`` and ``models:/`` URIs.

    Returns:
        The local directory and the concrete source it came from (a ``models:/`` URI is
        resolved to its version's source).
    """
    parsed = parse_model_uri(uri)
    if client is None and parsed.kind in {"runs", "models", "logged_model"}:
        from driftloop.tracking.client import Client

        client = Client()
    if parsed.kind == "models":
        assert client is not None  # noqa: S101 - opened above
        version = resolve_model_version(client, parsed)
        return fetch_model(client, version.source, dst)
    if parsed.kind == "logged_model":
        assert client is not None  # noqa: S101 - opened above
        assert parsed.model_id is not None  # noqa: S101 - set by _parse_models
        location = client.get_logged_model(parsed.model_id).artifact_location
        local, _ = fetch_model(client, location, dst)
        return local, location
    if parsed.kind == "runs":
        assert parsed.run_id is not None  # noqa: S101 - set by _parse_runs
        assert client is not None  # noqa: S101 - opened above
        local = client.download_artifacts(parsed.run_id, parsed.path or "", dst)
        return local, parsed.uri
    if parsed.kind == "path":
        assert parsed.path is not None  # noqa: S101 - set by parse_model_uri
        local = Path(parsed.path).expanduser()
        if not local.is_dir():
            raise ModelFormatError(f"{str(local)!r} is not a model directory", field="model_uri")
        return local, str(local.absolute())
    from driftloop.artifacts import get_artifact_repository

    repository = get_artifact_repository(
        parsed.uri, tracking_uri=None if client is None else client.tracking_uri
    )
    return repository.download_artifacts("", dst), parsed.uri
