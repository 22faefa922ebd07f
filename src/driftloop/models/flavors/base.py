"""The flavor interface: how one kind of model is written to and read from a model directory.

A flavor knows one library (scikit-learn, XGBoost, LightGBM, PyTorch) or, for ``pyfunc``, any
object with ``predict``. :func:`driftloop.models.save_model` picks the flavor whose
:meth:`Flavor.handles` accepts the model, gives it an empty folder to write into and stores the
options it returns in the manifest. Loading hands those options back to :meth:`Flavor.load`,
which must refuse (``UntrustedModelError``) anything that would unpickle or run code from the
model directory unless ``trusted`` is true.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeAlias, runtime_checkable

import numpy as np
import pandas as pd

ModelInput: TypeAlias = pd.DataFrame | np.ndarray
"""What a flavor model is given: a DataFrame (column signature) or an array (tensor one)."""


class FlavorModel(abc.ABC):
    """A model read back by its flavor, with one uniform ``predict``.

    Attributes:
        raw: The library's own object (estimator, booster, module, user class instance).
    """

    raw: Any

    @abc.abstractmethod
    def predict(self, data: ModelInput) -> Any:
        """Predict on input already checked against the signature.

        Returns a numpy array, a pandas Series or a DataFrame.
        """


@runtime_checkable
class SupportsPredictProba(Protocol):
    """A flavor model that also gives class probabilities."""

    def predict_proba(self, data: ModelInput) -> np.ndarray:
        """Class probabilities, one row per input row."""
        ...


class Flavor(abc.ABC):
    """Writes and reads one kind of model.

    Attributes:
        name: The flavor's name in the manifest (``sklearn``, ``xgboost``...).
        extra: The ``driftloop[extra]`` that installs what the flavor needs.
        packages: Distributions whose installed versions the model's requirements pin.
    """

    name: ClassVar[str]
    extra: ClassVar[str]
    packages: ClassVar[tuple[str, ...]]

    @abc.abstractmethod
    def handles(self, model: object) -> bool:
        """Whether this flavor can save ``model``; must not import the library to find out."""

    @abc.abstractmethod
    def save(self, model: object, directory: Path, options: Mapping[str, Any]) -> dict[str, Any]:
        """Write ``model`` into the existing empty ``directory``.

        Args:
            model: The model; :meth:`handles` accepted it.
            directory: An existing empty folder for the flavor's files.
            options: The caller's flavor options (``log_model(..., flavor_options=...)``),
                e.g. ``{"init_kwargs": {...}}`` for PyTorch. Unknown keys raise
                ``InvalidParameterError`` naming them.

        Returns:
            JSON-serializable options that :meth:`load` needs (file names, format, class
            reference, library version...). They are stored in the manifest.
        """

    @abc.abstractmethod
    def load(self, directory: Path, options: Mapping[str, Any], *, trusted: bool) -> FlavorModel:
        """Read the model that :meth:`save` wrote into ``directory``.

        Raises:
            UntrustedModelError: Loading would unpickle or run code and ``trusted`` is false.
            MissingDependencyError: The library is not installed.
            ModelFormatError: The files are missing or unreadable.
        """
