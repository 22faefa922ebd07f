"""The ``xgboost`` flavor: Boosters and the scikit-learn wrappers, in XGBoost's UBJSON format.

The native format holds only trees and parameters, so loading runs no code from the file. The
class to rebuild is stored by name and must be on :data:`XGBOOST_CLASSES`; a model file can
never make driftloop import anything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, cast

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
from driftloop.models.flavors.sklearn import wrap_estimator

XGBOOST_CLASSES = frozenset(
    {"Booster", "XGBClassifier", "XGBRegressor", "XGBRanker", "XGBRFClassifier", "XGBRFRegressor"}
)
"""The ``xgboost`` classes this flavor saves and rebuilds, by their top-level name."""

MODEL_FILE = "model.ubj"


def _xgboost() -> ModuleType:
    return import_optional("xgboost", package="xgboost", extra="xgboost")


def xgboost_class_name(model: object) -> str | None:
    """The allow-listed class name of ``model`` (exact class, not a subclass), else ``None``."""
    cls = type(model)
    if from_package(cls.__module__, "xgboost") and cls.__qualname__ in XGBOOST_CLASSES:
        return cls.__qualname__
    return None


class XGBoostBoosterModel(FlavorModel):
    """An ``xgboost.Booster``; builds the ``DMatrix`` with the booster's feature names."""

    def __init__(self, booster: Any, xgb: ModuleType) -> None:
        self.raw = booster
        self._xgb = xgb

    def predict(self, data: ModelInput) -> Any:
        """``Booster.predict`` on a ``DMatrix`` of ``data``."""
        names: list[str] | None = self.raw.feature_names
        if isinstance(data, pd.DataFrame):
            matrix = self._xgb.DMatrix(data[names] if names else data)
        else:
            matrix = self._xgb.DMatrix(data, feature_names=names)
        return self.raw.predict(matrix)


def load_xgboost(path: Path, class_name: str) -> FlavorModel:
    """Rebuild the allow-listed ``class_name`` from the native model file at ``path``.

    Raises:
        ModelFormatError: ``class_name`` is not allow-listed or the file does not load.
    """
    if class_name not in XGBOOST_CLASSES:
        raise ModelFormatError(
            f"xgboost model class {class_name!r} is not one driftloop rebuilds; "
            f"expected one of {sorted(XGBOOST_CLASSES)}",
            field="model_class",
        )
    xgb = _xgboost()
    model = getattr(xgb, class_name)()
    try:
        model.load_model(path)
    except ValueError as exc:  # xgboost.core.XGBoostError is a ValueError
        raise ModelFormatError(
            f"{path.name} is not a readable XGBoost model", field="file"
        ) from exc
    if class_name == "Booster":
        return XGBoostBoosterModel(model, xgb)
    return wrap_estimator(model)


class XGBoostFlavor(Flavor):
    """``xgboost.Booster`` and ``XGBClassifier``/``XGBRegressor``/``XGBRanker`` (+ RF variants)."""

    name = "xgboost"
    extra = "xgboost"
    packages = ("xgboost",)

    def handles(self, model: object) -> bool:
        """Instances of the allow-listed xgboost classes themselves."""
        return xgboost_class_name(model) is not None

    def save(self, model: object, directory: Path, options: Mapping[str, Any]) -> dict[str, Any]:
        """Write ``model.ubj`` with ``save_model``."""
        check_option_keys(options, ())
        class_name = xgboost_class_name(model)
        if class_name is None:
            raise InvalidParameterError(
                f"{type(model).__qualname__} is not an xgboost model class driftloop saves",
                field="model",
            )
        xgb = _xgboost()
        cast(Any, model).save_model(directory / MODEL_FILE)
        return {"file": MODEL_FILE, "model_class": class_name, "xgboost_version": xgb.__version__}

    def load(self, directory: Path, options: Mapping[str, Any], *, trusted: bool) -> FlavorModel:
        """Rebuild the stored class from ``model.ubj``; no code runs, so ``trusted`` is unused."""
        del trusted
        path = resolve_model_file(directory, option_str(options, "file"), field="file")
        return load_xgboost(path, option_str(options, "model_class"))
