"""A loaded model: the flavor's model behind ``predict`` that enforces the signature."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from driftloop.errors import ExtraColumnsWarning
from driftloop.models.enforcement import EnforcedInput, as_model_input, enforce_signature
from driftloop.models.flavors.base import FlavorModel, SupportsPredictProba
from driftloop.models.manifest import ModelManifest
from driftloop.models.signature import ModelSignature
from driftloop.monitoring.profile import DatasetProfile


@dataclass(frozen=True, slots=True)
class ModelMetadata:
    """Where a loaded model came from and what it carries.

    Attributes:
        source: The URI or path it was loaded from.
        flavor: The flavor that read it.
        format: ``"driftloop"`` or ``"mlflow"`` (an MLflow ``MLmodel`` directory).
        manifest: The driftloop manifest (None for MLflow models).
        run_id: The run it was logged to, when known.
        requirements: The pinned ``requirements.txt`` lines, when saved.
    """

    source: str
    flavor: str
    format: str
    manifest: ModelManifest | None
    run_id: str | None
    requirements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scores:
    """What :meth:`LoadedModel.score` returns.

    Attributes:
        predictions: The flavor's ``predict`` output (array, Series, DataFrame or list).
        probabilities: Class probabilities, one row per input row, or None.
        classes: The class label of each probability column, when the model names them.
        dropped_columns: Input columns the signature does not name (dropped before predicting).
    """

    predictions: Any
    probabilities: np.ndarray | None
    classes: tuple[Any, ...] | None
    dropped_columns: tuple[str, ...]


class LoadedModel:
    """A model read back by :func:`driftloop.load_model`.

    ``predict`` accepts a pandas DataFrame, a dict of columns, a list of records, one record
    (a dict of scalars) or a numpy array, checks it against the signature (missing columns,
    types, unsafe casts and shapes raise :class:`~driftloop.errors.SignatureError` naming the
    column; int -> float widening is allowed), drops columns the signature does not name with
    an :class:`~driftloop.errors.ExtraColumnsWarning`, and calls the model.

    Attributes:
        signature: The input (and output) contract, or None when the model has none.
        metadata: Source, flavor, manifest, run id and requirements.
        profile: The reference profile of the training data, or None.
        input_example: The saved example rows, or None.
    """

    def __init__(
        self,
        model: FlavorModel,
        *,
        signature: ModelSignature | None,
        metadata: ModelMetadata,
        profile: DatasetProfile | None,
        input_example: pd.DataFrame | np.ndarray | None,
    ) -> None:
        self._model = model
        self.signature = signature
        self.metadata = metadata
        self.profile = profile
        self.input_example = input_example

    @property
    def raw(self) -> Any:
        """The library's own object (estimator, booster, torch module, user object)."""
        return self._model.raw

    @property
    def flavor(self) -> str:
        """The flavor that read the model."""
        return self.metadata.flavor

    def enforce(self, data: Any) -> EnforcedInput:
        """Check ``data`` against the signature without predicting (what ``predict`` runs).

        Raises:
            SignatureError: The data does not match; ``field`` names the column.
        """
        if self.signature is None:
            return EnforcedInput(as_model_input(data), ())
        return enforce_signature(data, self.signature.inputs)

    def predict(self, data: Any) -> Any:
        """Predict on ``data`` after enforcing the signature.

        Raises:
            SignatureError: The data does not match the signature; ``field`` names the column.
        """
        return self._model.predict(self._checked(data))

    def score(self, data: Any, *, probabilities: bool = True) -> Scores:
        """Enforce the signature once, then predict and, if asked and possible, give probabilities.

        Dropped extra columns are reported, not warned about. This is what a server calls:
        one enforcement for both outputs, no warning machinery.

        Raises:
            SignatureError: The data does not match the signature; ``field`` names the column.
        """
        enforced = self.enforce(data)
        proba: np.ndarray | None = None
        classes: tuple[Any, ...] | None = None
        predictions: Any = None
        if probabilities and isinstance(self._model, SupportsPredictProba):
            proba = np.asarray(self._model.predict_proba(enforced.data))
            raw_classes = getattr(self._model.raw, "classes_", None)
            if raw_classes is not None and proba.ndim == 2 and len(raw_classes) == proba.shape[1]:
                classes = tuple(np.asarray(raw_classes).tolist())
            derive = getattr(self._model, "predictions_from_probabilities", None)
            if derive is not None:
                predictions = derive(proba)  # one model call instead of two, same answer
        if predictions is None:
            predictions = self._model.predict(enforced.data)
        return Scores(predictions, proba, classes, enforced.dropped_columns)

    def _checked(self, data: Any) -> pd.DataFrame | np.ndarray:
        enforced = self.enforce(data)
        if enforced.dropped_columns:
            names = ", ".join(repr(name) for name in enforced.dropped_columns)
            warnings.warn(
                f"dropped input columns the model signature does not name: {names}",
                ExtraColumnsWarning,
                stacklevel=3,
            )
        return enforced.data

    def __repr__(self) -> str:
        return f"<{type(self).__name__} flavor={self.flavor!r} source={self.metadata.source!r}>"


class ProbabilisticLoadedModel(LoadedModel):
    """A :class:`LoadedModel` whose flavor also gives class probabilities."""

    def predict_proba(self, data: Any) -> np.ndarray:
        """Class probabilities for ``data`` after enforcing the signature.

        Raises:
            SignatureError: The data does not match the signature; ``field`` names the column.
        """
        model = self._model
        assert isinstance(model, SupportsPredictProba)  # noqa: S101 - guaranteed by wrap()
        return model.predict_proba(self._checked(data))


def wrap(
    model: FlavorModel,
    *,
    signature: ModelSignature | None,
    metadata: ModelMetadata,
    profile: DatasetProfile | None,
    input_example: pd.DataFrame | np.ndarray | None,
) -> LoadedModel:
    """The right :class:`LoadedModel` class for ``model`` (with ``predict_proba`` if it has it)."""
    cls = ProbabilisticLoadedModel if isinstance(model, SupportsPredictProba) else LoadedModel
    return cls(
        model,
        signature=signature,
        metadata=metadata,
        profile=profile,
        input_example=input_example,
    )
