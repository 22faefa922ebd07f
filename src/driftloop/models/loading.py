"""Read a model directory (driftloop's format or MLflow's ``MLmodel``) into a LoadedModel."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from driftloop.errors import ModelFormatError
from driftloop.models.flavors.catalog import get_flavor
from driftloop.models.input_example import read_input_example
from driftloop.models.loaded import LoadedModel, ModelMetadata, wrap
from driftloop.models.manifest import MANIFEST_FILE, read_manifest, verify_files
from driftloop.models.mlflow_compat import is_mlflow_model_dir, load_mlflow_model
from driftloop.models.package import MODEL_DATA_DIR, PROFILE_FILE, SIGNATURE_FILE
from driftloop.models.requirements import REQUIREMENTS_FILE
from driftloop.models.signature import ModelSignature
from driftloop.models.uri import fetch_model
from driftloop.monitoring.profile import DatasetProfile

if TYPE_CHECKING:
    from driftloop.tracking.client import Client


def load_model_uri(
    client: Client | None, model_uri: str | os.PathLike[str], *, trusted: bool
) -> LoadedModel:
    """Fetch the model at ``model_uri`` (downloading it if remote) and load it.

    ``client`` resolves ``runs:/`` and ``models:/`` URIs; None opens one on the current
    tracking URI when such a URI is given. Downloads go to a temporary folder removed after
    loading (every flavor reads its files into memory).
    """
    with tempfile.TemporaryDirectory(prefix="driftloop-load-model-") as scratch:
        local, source = fetch_model(client, model_uri, Path(scratch))
        return load_model_dir(local, trusted=trusted, source=source)


def load_model_dir(directory: Path, *, trusted: bool, source: str) -> LoadedModel:
    """Load the model in the local ``directory``.

    Args:
        directory: A driftloop model directory (``manifest.json``) or an MLflow one
            (``MLmodel``).
        trusted: Allow deserializers that can run code (pickle, cloudpickle, user classes).
        source: The URI the directory was fetched from, kept in the metadata.

    Raises:
        ModelFormatError: The directory holds no readable model, or a file was tampered with.
        UntrustedModelError: Loading needs ``trusted=True``.
        MissingDependencyError: The flavor's library is not installed.
    """
    if (directory / MANIFEST_FILE).is_file():
        return _load_driftloop(directory, trusted=trusted, source=source)
    if is_mlflow_model_dir(directory):
        return _load_mlflow(directory, trusted=trusted, source=source)
    raise ModelFormatError(
        f"{source!r} holds no model: expected {MANIFEST_FILE} (driftloop) or MLmodel (MLflow)",
        field="model_uri",
    )


def _load_driftloop(directory: Path, *, trusted: bool, source: str) -> LoadedModel:
    manifest = read_manifest(directory)
    verify_files(directory, manifest)
    flavor = get_flavor(manifest.flavor)
    model = flavor.load(directory / MODEL_DATA_DIR, manifest.flavor_options, trusted=trusted)
    signature = None
    if (directory / SIGNATURE_FILE).is_file():
        signature = ModelSignature.from_dict(_json(directory / SIGNATURE_FILE))
    profile = None
    if (directory / PROFILE_FILE).is_file():
        profile = DatasetProfile.from_json((directory / PROFILE_FILE).read_text(encoding="utf-8"))
    metadata = ModelMetadata(
        source=source,
        flavor=flavor.name,
        format="driftloop",
        manifest=manifest,
        run_id=manifest.run_id,
        requirements=_requirements(directory),
    )
    return wrap(
        model,
        signature=signature,
        metadata=metadata,
        profile=profile,
        input_example=read_input_example(directory),
    )


def _load_mlflow(directory: Path, *, trusted: bool, source: str) -> LoadedModel:
    loaded = load_mlflow_model(directory, trusted=trusted)
    signature = None if loaded.signature is None else ModelSignature.from_mlflow(loaded.signature)
    metadata = ModelMetadata(
        source=source,
        flavor=loaded.flavor,
        format="mlflow",
        manifest=None,
        run_id=loaded.run_id,
        requirements=_requirements(directory),
    )
    return wrap(
        loaded.model, signature=signature, metadata=metadata, profile=None, input_example=None
    )


def _json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ModelFormatError(f"{path.name} is not valid JSON", field=path.stem) from error
    if not isinstance(data, dict):
        raise ModelFormatError(f"{path.name} must hold a JSON object", field=path.stem)
    return data


def _requirements(directory: Path) -> tuple[str, ...]:
    path = directory / REQUIREMENTS_FILE
    if not path.is_file():
        return ()
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))
