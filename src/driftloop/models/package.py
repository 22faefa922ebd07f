"""Write a model directory: flavor files, manifest, signature, example, requirements, profile.

The directory is assembled in a temporary sibling folder and renamed into place at the end, so
a failure (bad input, full disk, an interrupt) never leaves a half-written model behind.

Layout::

    <path>/
      manifest.json        format version, flavor + loader options, digests of every file
      model/               the flavor's files (model.skops, model.ubj, model.safetensors...)
      signature.json       input (and output) schema, MLflow's JSON shape
      input_example.json   at most five rows
      requirements.txt     pinned libraries from the saving environment
      profile.json         reference profile of the training data (when given)
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from driftloop.errors import InvalidParameterError
from driftloop.models.enforcement import as_model_input
from driftloop.models.flavors.base import Flavor
from driftloop.models.flavors.catalog import flavor_for_model
from driftloop.models.input_example import write_input_example
from driftloop.models.manifest import ModelManifest, digest_files, write_manifest
from driftloop.models.requirements import REQUIREMENTS_FILE, pinned_requirements, python_version
from driftloop.models.signature import ModelSignature, infer_signature
from driftloop.monitoring.profile import DatasetProfile, build_profile

MODEL_DATA_DIR = "model"
SIGNATURE_FILE = "signature.json"
PROFILE_FILE = "profile.json"
PROFILE_PREDICTION_ROWS = 100_000
"""Training rows (a seeded sample beyond this) predicted on for the prediction profile."""


@dataclass(frozen=True, slots=True)
class SavedModel:
    """What :func:`save_model` wrote.

    Attributes:
        path: The model directory.
        manifest: Its manifest.
        signature: The signature (given or inferred), or None when there was nothing to infer
            it from.
        profile: The reference profile, when training data was given.
    """

    path: Path
    manifest: ModelManifest
    signature: ModelSignature | None
    profile: DatasetProfile | None


def save_model(
    model: object,
    path: str | os.PathLike[str],
    *,
    training_data: Any = None,
    target: Any = None,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    flavor_options: Mapping[str, Any] | None = None,
    extra_requirements: Sequence[str] | None = None,
    run_id: str | None = None,
    artifact_path: str | None = None,
) -> SavedModel:
    """Save ``model`` as a driftloop model directory at ``path`` (which must not exist).

    Args:
        model: A scikit-learn, XGBoost, LightGBM or PyTorch model, or any object with
            ``predict`` (saved with the ``pyfunc`` flavor; loading it needs ``trusted=True``).
        path: The directory to create.
        training_data: The features the model was trained on. The signature is inferred from
            it when not given, and the reference profile for drift monitoring is built from
            it (with the model's predictions on it, and ``target`` when given).
        target: The training labels, profiled with the features.
        signature: The input contract; inferred from ``training_data`` or ``input_example``
            when None.
        input_example: A few input rows to save (default: the first five training rows).
        flavor_options: Options for the flavor, e.g. ``{"init_kwargs": {...}}`` for PyTorch.
        extra_requirements: More ``requirements.txt`` lines.
        run_id: The run the model belongs to (set by ``log_model``).
        artifact_path: Its path in the run's artifacts (set by ``log_model``).

    Raises:
        InvalidParameterError: ``path`` exists, the model is of no known flavor, or an
            argument is malformed (the error names it).
    """
    target_dir = Path(path)
    if target_dir.exists():
        raise InvalidParameterError(f"{str(target_dir)!r} already exists", field="path")
    if signature is not None and not isinstance(signature, ModelSignature):
        raise InvalidParameterError("signature must be a ModelSignature", field="signature")
    flavor = flavor_for_model(model)
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".driftloop-model-", dir=target_dir.parent))
    try:
        saved = _write(
            flavor,
            model,
            staging,
            _Inputs(training_data, target, signature, input_example, flavor_options or {}),
            extra_requirements,
            run_id,
            artifact_path,
        )
        staging.rename(target_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SavedModel(target_dir, saved.manifest, saved.signature, saved.profile)


@dataclass(frozen=True, slots=True)
class _Inputs:
    training_data: Any
    target: Any
    signature: ModelSignature | None
    input_example: Any
    flavor_options: Mapping[str, Any]


def _write(
    flavor: Flavor,
    model: object,
    directory: Path,
    inputs: _Inputs,
    extra_requirements: Sequence[str] | None,
    run_id: str | None,
    artifact_path: str | None,
) -> SavedModel:
    features = None if inputs.training_data is None else as_model_input(inputs.training_data)
    example = inputs.input_example
    if example is None and features is not None:
        example = features[:5] if isinstance(features, np.ndarray) else features.head(5)
    signature = inputs.signature or _infer(model, features, example)
    profile = None
    if features is not None:
        profile = _profile(model, features, inputs.target)
    data_dir = directory / MODEL_DATA_DIR
    data_dir.mkdir()
    options = flavor.save(model, data_dir, inputs.flavor_options)
    if signature is not None:
        text = json.dumps(signature.to_dict(), indent=2, allow_nan=False)
        (directory / SIGNATURE_FILE).write_text(text + "\n", encoding="utf-8")
    if example is not None:
        write_input_example(directory, example)
    if profile is not None:
        (directory / PROFILE_FILE).write_text(profile.to_json() + "\n", encoding="utf-8")
    requirements = pinned_requirements(flavor.packages, extra_requirements)
    (directory / REQUIREMENTS_FILE).write_text("\n".join(requirements) + "\n", encoding="utf-8")
    manifest = ModelManifest(
        flavor=flavor.name,
        flavor_options=options,
        model_uuid=uuid.uuid4().hex,
        created_at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        python_version=python_version(),
        files=digest_files(directory),
        run_id=run_id,
        artifact_path=artifact_path,
    )
    write_manifest(directory, manifest)
    return SavedModel(directory, manifest, signature, profile)


def _infer(model: object, features: Any, example: Any) -> ModelSignature | None:
    source = features if features is not None else example
    if source is None:
        return None
    sample = as_model_input(example if example is not None else source)
    try:
        outputs = _predict(model, sample)
    except Exception:  # noqa: BLE001 - the output schema is optional; inputs still count
        outputs = None
    return infer_signature(source if features is None else features, outputs)


def _profile(model: object, features: pd.DataFrame | np.ndarray, target: Any) -> DatasetProfile:
    rows = len(features)
    if target is not None and len(target) != rows:
        raise InvalidParameterError(
            f"target has {len(target)} rows but training_data has {rows}", field="target"
        )
    profile = build_profile(features, target=target)
    sample: pd.DataFrame | np.ndarray = features
    if rows > PROFILE_PREDICTION_ROWS:
        chosen = np.sort(np.random.default_rng(42).choice(rows, PROFILE_PREDICTION_ROWS, False))
        sample = features[chosen] if isinstance(features, np.ndarray) else features.iloc[chosen]
    predictions = _predict_or_none(model, sample)
    if predictions is None:
        return profile
    predicted = build_profile({"prediction": predictions}).columns[0]
    return dataclasses.replace(profile, predictions=predicted)


def _predict_or_none(model: object, features: pd.DataFrame | np.ndarray) -> Any:
    try:
        predictions = np.asarray(_predict(model, features))
    except Exception:  # noqa: BLE001 - a model that cannot predict here gets no prediction profile
        return None
    if predictions.ndim == 2 and predictions.shape[1] == 1:
        predictions = predictions[:, 0]
    return predictions if predictions.ndim == 1 else None


def _predict(model: object, data: pd.DataFrame | np.ndarray) -> Any:
    predict = getattr(model, "predict", None)
    if callable(predict):
        return predict(data)
    import torch  # only a torch module has no predict among the flavors

    module: Any = model
    with torch.inference_mode():
        values = data.to_numpy() if isinstance(data, pd.DataFrame) else data
        return module(torch.as_tensor(np.asarray(values, dtype=np.float32))).numpy()
