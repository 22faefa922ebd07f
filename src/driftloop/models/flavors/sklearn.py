"""The ``sklearn`` flavor: scikit-learn estimators and pipelines, stored with skops.

skops writes a zip of JSON plus numpy arrays and only rebuilds the types it trusts, so loading a
plain scikit-learn model runs no code from the file. A model holding other types (a custom
transformer, a user function) is refused unless the caller trusts it.
"""

from __future__ import annotations

import importlib.metadata
import zipfile
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from driftloop.errors import InvalidParameterError, ModelFormatError, UntrustedModelError
from driftloop.models.flavors._support import (
    TRUST_HINT,
    check_option_keys,
    class_modules,
    from_package,
    import_optional,
    option_str,
    resolve_model_file,
)
from driftloop.models.flavors.base import Flavor, FlavorModel, ModelInput

SKOPS_FILE = "model.skops"


class SklearnModel(FlavorModel):
    """A scikit-learn-API estimator; feeds it the input type it was fitted on.

    An estimator fitted on a DataFrame (``feature_names_in_``) gets a DataFrame, an array being
    given the column names; one fitted on an array (``n_features_in_`` without names) gets an
    array, so scikit-learn does not warn about feature names. An estimator that records
    neither (a pipeline starting with a custom step) gets the input as it comes.
    """

    def __init__(self, estimator: Any) -> None:
        self.raw = estimator
        names = getattr(estimator, "feature_names_in_", None)
        self._feature_names: list[str] | None = None if names is None else list(names)
        self._fitted_on_arrays = names is None and hasattr(estimator, "n_features_in_")

    def _prepare(self, data: ModelInput) -> ModelInput:
        names = self._feature_names
        if self._fitted_on_arrays and isinstance(data, pd.DataFrame):
            return data.to_numpy()
        if (
            names is not None
            and isinstance(data, np.ndarray)
            and data.ndim == 2
            and data.shape[1] == len(names)
        ):
            return pd.DataFrame(data, columns=names)
        return data

    def predict(self, data: ModelInput) -> Any:
        """The estimator's ``predict``."""
        return self.raw.predict(self._prepare(data))


class SklearnClassifierModel(SklearnModel):
    """A scikit-learn-API estimator that also has ``predict_proba``."""

    def predict_proba(self, data: ModelInput) -> np.ndarray:
        """The estimator's ``predict_proba``."""
        return np.asarray(self.raw.predict_proba(self._prepare(data)))


def wrap_estimator(estimator: Any) -> SklearnModel:
    """Wrap a scikit-learn-API estimator; with ``predict_proba`` only when it has one."""
    if hasattr(estimator, "predict_proba"):
        return SklearnClassifierModel(estimator)
    return SklearnModel(estimator)


SKLEARN_VETTED_TYPES = frozenset(
    {
        "sklearn.tree._tree.Tree",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.neighbors._kd_tree.KDTree",
        "sklearn.neighbors._ball_tree.BallTree",
        "sklearn.metrics._dist_metrics.EuclideanDistance64",
        "sklearn.metrics._dist_metrics.EuclideanDistance32",
        "sklearn.metrics._dist_metrics.ManhattanDistance64",
        "sklearn.metrics._dist_metrics.MinkowskiDistance64",
        "sklearn.metrics._dist_metrics.ChebyshevDistance64",
    }
)
"""scikit-learn's own compiled helper types that skops leaves off its default list.

They hold arrays (tree nodes, KD-tree nodes, a distance metric) and run no user code when
rebuilt; without them every tree ensemble and nearest-neighbour model would need
``trusted=True``. The list is driftloop's, never read from the model file.
"""


def load_skops(path: Path, *, trusted: bool, known_safe: Collection[str] = ()) -> Any:
    """Read a skops file, refusing types skops does not trust unless ``trusted``.

    Args:
        path: The ``.skops`` file.
        trusted: Whether the caller trusts the file's source; then every type is allowed.
        known_safe: Extra type names driftloop itself (never the file) vouches for.

    Raises:
        UntrustedModelError: The file holds types outside skops' defaults and ``known_safe``.
        ModelFormatError: The file is not a readable skops file.
    """
    import_optional("sklearn", package="scikit-learn", extra="sklearn")
    sio = import_optional("skops.io", package="skops", extra="sklearn")
    try:
        untrusted: list[str] = list(sio.get_untrusted_types(file=path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ModelFormatError(f"{path.name} is not a readable skops file", field="file") from exc
    pending = [name for name in untrusted if name not in known_safe]
    if pending and not trusted:
        raise UntrustedModelError(
            f"{path.name} holds types skops does not trust by default: {', '.join(pending)}; "
            "loading it imports these types and runs their code; " + TRUST_HINT,
        )
    return sio.load(path, trusted=untrusted)


class SklearnFlavor(Flavor):
    """scikit-learn estimators, pipelines included, written with ``skops.io.dump``."""

    name = "sklearn"
    extra = "sklearn"
    packages = ("scikit-learn", "skops")

    def handles(self, model: object) -> bool:
        """Any object with a scikit-learn class in its MRO."""
        return any(from_package(module, "sklearn") for module in class_modules(model))

    def save(self, model: object, directory: Path, options: Mapping[str, Any]) -> dict[str, Any]:
        """Write ``model.skops``."""
        check_option_keys(options, ())
        sklearn = import_optional("sklearn", package="scikit-learn", extra="sklearn")
        sio = import_optional("skops.io", package="skops", extra="sklearn")
        try:
            sio.dump(model, directory / SKOPS_FILE)
        except TypeError as exc:
            raise InvalidParameterError(
                f"skops cannot serialize this {type(model).__qualname__}; "
                "it holds objects skops does not support",
                field="model",
            ) from exc
        return {
            "file": SKOPS_FILE,
            "sklearn_version": sklearn.__version__,
            "skops_version": importlib.metadata.version("skops"),
        }

    def load(self, directory: Path, options: Mapping[str, Any], *, trusted: bool) -> FlavorModel:
        """Read ``model.skops``; types outside skops' defaults need ``trusted``."""
        path = resolve_model_file(directory, option_str(options, "file"), field="file")
        return wrap_estimator(load_skops(path, trusted=trusted, known_safe=SKLEARN_VETTED_TYPES))
