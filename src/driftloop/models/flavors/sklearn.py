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
from driftloop.models.flavors._sklearn_trees import VALIDATED_TYPES, check_trees
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


ARGMAX_CLASSIFIERS = frozenset(
    {
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
        "sklearn.ensemble._forest.RandomForestClassifier",
        "sklearn.ensemble._forest.ExtraTreesClassifier",
        "sklearn.tree._classes.DecisionTreeClassifier",
        "sklearn.tree._classes.ExtraTreeClassifier",
    }
)
"""Classifiers whose ``predict`` is exactly ``classes_.take(argmax(predict_proba(X)))``.

That is scikit-learn's own code for them, so a server that needs both outputs may compute the
probabilities once and derive the predictions."""


class SklearnClassifierModel(SklearnModel):
    """A scikit-learn-API estimator that also has ``predict_proba``."""

    def predict_proba(self, data: ModelInput) -> np.ndarray:
        """The estimator's ``predict_proba``."""
        return np.asarray(self.raw.predict_proba(self._prepare(data)))

    def predictions_from_probabilities(self, probabilities: np.ndarray) -> np.ndarray | None:
        """What ``predict`` would return, from ``predict_proba``'s output.

        Only for the :data:`ARGMAX_CLASSIFIERS` with one output; None for any other estimator.
        """
        estimator = type(self.raw)
        if f"{estimator.__module__}.{estimator.__qualname__}" not in ARGMAX_CLASSIFIERS:
            return None
        classes = getattr(self.raw, "classes_", None)
        if classes is None or np.ndim(classes) != 1 or probabilities.ndim != 2:
            return None
        predictions: np.ndarray = np.asarray(classes).take(np.argmax(probabilities, axis=1))
        return predictions


def wrap_estimator(estimator: Any) -> SklearnModel:
    """Wrap a scikit-learn-API estimator; with ``predict_proba`` only when it has one."""
    if hasattr(estimator, "predict_proba"):
        return SklearnClassifierModel(estimator)
    return SklearnModel(estimator)


def load_skops(path: Path, *, trusted: bool, known_safe: Collection[str] = ()) -> Any:
    """Read a skops file, refusing types skops does not trust unless ``trusted``.

    Args:
        path: The ``.skops`` file.
        trusted: Whether the caller trusts the file's source; then every type is allowed.
        known_safe: Extra type names driftloop itself (never the file) vouches for.

    Decision trees (``sklearn.tree._tree.Tree``) load without trust after
    :func:`check_trees` verified their node indices; see that module for why.

    Raises:
        UntrustedModelError: The file holds types outside skops' defaults and ``known_safe``.
        ModelFormatError: The file is not a readable skops file.
    """
    import_optional("sklearn", package="scikit-learn", extra="sklearn")
    sio = import_optional("skops.io", package="skops", extra="sklearn")
    exceptions = import_optional("skops.io.exceptions", package="skops", extra="sklearn")
    allowed = sorted(set(known_safe) | VALIDATED_TYPES)
    try:
        if trusted:  # skops wants the types named: list them first (a second parse)
            allowed = sorted(set(allowed) | set(sio.get_untrusted_types(file=path)))
        # One parse in the common case: skops audits the file against ``allowed`` as it loads.
        model = sio.load(path, trusted=allowed)
    except exceptions.UntrustedTypesFoundException as exc:
        pending = [name for name in sio.get_untrusted_types(file=path) if name not in allowed]
        raise UntrustedModelError(
            f"{path.name} holds types skops does not trust by default: {', '.join(pending)}; "
            "loading it imports these types and runs their code; " + TRUST_HINT,
        ) from exc
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ModelFormatError(f"{path.name} is not a readable skops file", field="file") from exc
    if not trusted:
        check_trees(model)
    return model


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
        return wrap_estimator(load_skops(path, trusted=trusted))
