"""The models half of :class:`driftloop.Client`: log a model to a run, load one from any URI."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftloop.entities import DatasetInput, ModelVersion
from driftloop.tracking import _validation as check
from driftloop.tracking.datasets import (
    DATASET_CONTEXT_TAG,
    dataset_from_data,
    is_dataframe,
    is_ndarray,
)

if TYPE_CHECKING:
    from driftloop.artifacts.base import ArtifactRepository
    from driftloop.entities import Run
    from driftloop.models.loaded import LoadedModel
    from driftloop.models.signature import ModelSignature

LOGGED_MODELS_TAG = "driftloop.logged_models"
"""Run tag: JSON list of the models logged to the run (artifact path, flavor, uuid)."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What :meth:`ModelMethods.log_model` logged.

    Attributes:
        model_uri: ``runs:/<run_id>/<artifact_path>``, loadable with ``load_model``.
        run_id: The run.
        artifact_path: Where in the run's artifacts the model directory is.
        flavor: The flavor that saved it.
        model_uuid: The manifest's model id.
        signature: The signature (given or inferred), or None.
        has_profile: Whether a reference profile was stored.
        registered_version: The version created when ``registered_model_name`` was given.
    """

    model_uri: str
    run_id: str
    artifact_path: str
    flavor: str
    model_uuid: str
    signature: ModelSignature | None
    has_profile: bool
    registered_version: ModelVersion | None = None


class ModelMethods:
    """Model calls of the client; mixed into :class:`driftloop.Client`."""

    def log_model(
        self,
        run_id: str,
        model: object,
        name: str = "model",
        *,
        training_data: Any = None,
        target: Any = None,
        signature: ModelSignature | None = None,
        input_example: Any = None,
        flavor_options: Mapping[str, Any] | None = None,
        extra_requirements: Sequence[str] | None = None,
        registered_model_name: str | None = None,
    ) -> ModelInfo:
        """Save ``model`` into the run's artifacts under ``name``; see :func:`save_model`.

        The training data is also recorded as a run input (context ``training``) so the
        model's lineage reaches its dataset digest. With ``registered_model_name`` the model
        is registered too (the registered model is created if needed).
        """
        from driftloop.models.package import save_model  # numpy/pandas load on first use

        artifact_path = check.require_name(name, "name").strip("/")
        repository = self.artifact_repository(run_id)
        with tempfile.TemporaryDirectory(prefix="driftloop-log-model-") as scratch:
            saved = save_model(
                model,
                Path(scratch) / "model",
                training_data=training_data,
                target=target,
                signature=signature,
                input_example=input_example,
                flavor_options=flavor_options,
                extra_requirements=extra_requirements,
                run_id=run_id,
                artifact_path=artifact_path,
            )
            repository.log_artifacts(saved.path, artifact_path)
        if is_dataframe(training_data) or is_ndarray(training_data):
            self._log_training_input(run_id, training_data, artifact_path)
        self._record_logged_model(
            run_id, artifact_path, saved.manifest.flavor, saved.manifest.model_uuid
        )
        info = ModelInfo(
            model_uri=f"runs:/{run_id}/{artifact_path}",
            run_id=run_id,
            artifact_path=artifact_path,
            flavor=saved.manifest.flavor,
            model_uuid=saved.manifest.model_uuid,
            signature=saved.signature,
            has_profile=saved.profile is not None,
        )
        if registered_model_name is None:
            return info
        version = self.register_model(info.model_uri, registered_model_name)
        return ModelInfo(**{**_fields(info), "registered_version": version})

    def load_model(
        self, model_uri: str | os.PathLike[str], *, trusted: bool = False
    ) -> LoadedModel:
        """Load a model from a runs, models or artifact URI, or a local directory.

        URIs: ``runs:/<run_id>/<path>``, ``models:/name/version``, ``models:/name@alias``,
        ``models:/name/latest``, ``s3://...``, ``file:...``.

        Args:
            model_uri: Where the model is.
            trusted: Allow loading that unpickles or runs code from the model (pickled
                scikit-learn models, ``pyfunc`` models, PyTorch user classes). Only for models
                from a source you trust.

        Raises:
            UntrustedModelError: The model needs ``trusted=True``; the message says why.
            ModelFormatError: There is no readable model at the URI.
            NotFoundError: The run, registered model, version or alias does not exist.
        """
        from driftloop.models.loading import load_model_uri

        return load_model_uri(self, model_uri, trusted=trusted)  # type: ignore[arg-type]

    def _log_training_input(self, run_id: str, data: Any, artifact_path: str) -> None:
        dataset = dataset_from_data(data, name=f"{artifact_path}-training")
        logged = self.get_run(run_id).inputs.dataset_inputs
        if any(item.dataset.digest == dataset.digest for item in logged):
            return  # the run already recorded this exact data (e.g. with log_input)
        self.log_inputs(run_id, [DatasetInput(dataset, {DATASET_CONTEXT_TAG: "training"})])

    def _record_logged_model(self, run_id: str, artifact_path: str, flavor: str, uuid: str) -> None:
        run = self.get_run(run_id)
        try:
            history = json.loads(run.data.tags.get(LOGGED_MODELS_TAG, "[]"))
        except ValueError:
            history = []
        history = [entry for entry in history if entry.get("artifact_path") != artifact_path]
        history.append({"artifact_path": artifact_path, "flavor": flavor, "model_uuid": uuid})
        self.set_tag(run_id, LOGGED_MODELS_TAG, json.dumps(history, sort_keys=True))

    # Provided by the Client these methods are mixed into.
    if TYPE_CHECKING:

        def artifact_repository(self, run_id: str) -> ArtifactRepository:
            """See :meth:`driftloop.Client.artifact_repository`."""

        def get_run(self, run_id: str) -> Run:
            """See :meth:`driftloop.Client.get_run`."""

        def set_tag(self, run_id: str, key: str, value: Any) -> None:
            """See :meth:`driftloop.Client.set_tag`."""

        def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput]) -> None:
            """See :meth:`driftloop.Client.log_inputs`."""

        def register_model(
            self,
            model_uri: str,
            name: str,
            *,
            tags: Mapping[str, Any] | None = None,
            description: str | None = None,
        ) -> ModelVersion:
            """See :meth:`driftloop.Client.register_model`."""


def _fields(info: ModelInfo) -> dict[str, Any]:
    return {name: getattr(info, name) for name in ModelInfo.__dataclass_fields__}
