"""The ``lightgbm`` flavor: Boosters and the scikit-learn wrappers, in LightGBM's text format.

Only the Booster is written (``booster_.save_model``); loading reads it back with
``Booster(model_file=...)``, which runs no code from the file. The scikit-learn wrapper is not
rebuilt (that would mean setting its private fitted state); instead the classifier's classes
are stored in the options and ``predict``/``predict_proba`` are computed from the Booster the
same way ``LGBMClassifier`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import numpy as np
import pandas as pd

from driftloop.errors import InvalidParameterError, ModelFormatError
from driftloop.models.flavors._support import (
    check_option_keys,
    from_package,
    import_optional,
    option_str,
    resolve_model_file,
)
from driftloop.models.flavors.base import Flavor, FlavorModel, ModelInput

LIGHTGBM_CLASSES = frozenset({"Booster", "LGBMClassifier", "LGBMRegressor", "LGBMRanker"})
"""The ``lightgbm`` classes this flavor saves, by their top-level name."""

MODEL_FILE = "model.txt"
_CLASS_DTYPE_KINDS = "biufUO"


def _lightgbm() -> ModuleType:
    return import_optional("lightgbm", package="lightgbm", extra="lightgbm")


def lightgbm_class_name(model: object) -> str | None:
    """The allow-listed class name of ``model`` (exact class, not a subclass), else ``None``."""
    cls = type(model)
    if from_package(cls.__module__, "lightgbm") and cls.__qualname__ in LIGHTGBM_CLASSES:
        return cls.__qualname__
    return None


class LightGBMBoosterModel(FlavorModel):
    """A ``lightgbm.Booster``; also serves ``LGBMRegressor`` and ``LGBMRanker``."""

    def __init__(self, booster: Any) -> None:
        self.raw = booster
        self._feature_names: list[str] = list(booster.feature_name())

    def _prepare(self, data: ModelInput) -> ModelInput:
        # Booster.predict does not check column names: put named columns in training order.
        if isinstance(data, pd.DataFrame) and set(self._feature_names) <= set(data.columns):
            return data[self._feature_names]
        return data

    def predict(self, data: ModelInput) -> Any:
        """``Booster.predict``."""
        return self.raw.predict(self._prepare(data))


class LightGBMClassifierModel(LightGBMBoosterModel):
    """An ``LGBMClassifier`` rebuilt as its Booster plus ``classes_``; ``raw`` is the Booster."""

    def __init__(self, booster: Any, classes: np.ndarray) -> None:
        super().__init__(booster)
        self.classes_ = classes

    def predict_proba(self, data: ModelInput) -> np.ndarray:
        """Class probabilities, as ``LGBMClassifier.predict_proba`` computes them."""
        result = np.asarray(self.raw.predict(self._prepare(data)))
        if result.ndim == 1:
            return np.column_stack((1.0 - result, result))
        return result

    def predict(self, data: ModelInput) -> Any:
        """The most probable class, as ``LGBMClassifier.predict`` picks it."""
        return self.classes_[np.argmax(self.predict_proba(data), axis=1)]


def load_lightgbm_booster(path: Path) -> Any:
    """``lightgbm.Booster(model_file=path)``; ``ModelFormatError`` if the file does not parse."""
    lgb = _lightgbm()
    try:
        return lgb.Booster(model_file=path)
    except lgb.basic.LightGBMError as exc:
        raise ModelFormatError(
            f"{path.name} is not a readable LightGBM model", field="file"
        ) from exc


def _classes_options(model: Any) -> dict[str, Any]:
    classes = np.asarray(model.classes_)
    values = classes.tolist()
    if classes.dtype.kind not in _CLASS_DTYPE_KINDS or not all(
        isinstance(value, bool | int | float | str) for value in values
    ):
        raise InvalidParameterError(
            "LGBMClassifier classes_ must be numbers, booleans or strings to be saved",
            field="model",
        )
    return {"classes": values, "classes_dtype": classes.dtype.str}


def _classes_from_options(options: Mapping[str, Any]) -> np.ndarray:
    values, dtype_name = options.get("classes"), options.get("classes_dtype")
    if not isinstance(values, list) or not isinstance(dtype_name, str):
        raise ModelFormatError(
            "an LGBMClassifier needs the 'classes' list and 'classes_dtype' options",
            field="classes",
        )
    try:
        dtype = np.dtype(dtype_name)
    except TypeError as exc:
        raise ModelFormatError(f"bad classes_dtype {dtype_name!r}", field="classes_dtype") from exc
    if dtype.kind not in _CLASS_DTYPE_KINDS:
        raise ModelFormatError(f"bad classes_dtype {dtype_name!r}", field="classes_dtype")
    return np.array(values, dtype=dtype)


class LightGBMFlavor(Flavor):
    """``lightgbm.Booster`` and ``LGBMClassifier``/``LGBMRegressor``/``LGBMRanker``."""

    name = "lightgbm"
    extra = "lightgbm"
    packages = ("lightgbm",)

    def handles(self, model: object) -> bool:
        """Instances of the allow-listed lightgbm classes themselves."""
        return lightgbm_class_name(model) is not None

    def save(self, model: object, directory: Path, options: Mapping[str, Any]) -> dict[str, Any]:
        """Write the Booster to ``model.txt``; a classifier's classes go in the options."""
        check_option_keys(options, ())
        class_name = lightgbm_class_name(model)
        if class_name is None:
            raise InvalidParameterError(
                f"{type(model).__qualname__} is not a lightgbm model class driftloop saves",
                field="model",
            )
        lgb = _lightgbm()
        estimator = cast(Any, model)
        saved: dict[str, Any] = {
            "file": MODEL_FILE,
            "model_class": class_name,
            "lightgbm_version": lgb.__version__,
        }
        if class_name == "Booster":
            booster = estimator
        else:
            if not getattr(estimator, "fitted_", False):
                raise InvalidParameterError(f"this {class_name} is not fitted", field="model")
            if callable(getattr(estimator, "objective", None)):
                raise InvalidParameterError(
                    f"this {class_name} has a custom objective function, which the LightGBM "
                    "text format cannot hold",
                    field="model",
                )
            booster = estimator.booster_
            if class_name == "LGBMClassifier":
                saved.update(_classes_options(estimator))
        booster.save_model(directory / MODEL_FILE)
        return saved

    def load(self, directory: Path, options: Mapping[str, Any], *, trusted: bool) -> FlavorModel:
        """Read ``model.txt``; no code runs, so ``trusted`` is unused."""
        del trusted
        path = resolve_model_file(directory, option_str(options, "file"), field="file")
        class_name = option_str(options, "model_class")
        if class_name not in LIGHTGBM_CLASSES:
            raise ModelFormatError(
                f"lightgbm model class {class_name!r} is not one driftloop rebuilds; "
                f"expected one of {sorted(LIGHTGBM_CLASSES)}",
                field="model_class",
            )
        booster = load_lightgbm_booster(path)
        if class_name == "LGBMClassifier":
            return LightGBMClassifierModel(booster, _classes_from_options(options))
        return LightGBMBoosterModel(booster)
