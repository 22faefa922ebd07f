"""The flavors driftloop knows, in the order :func:`flavor_for_model` tries them."""

from __future__ import annotations

from driftloop.errors import InvalidParameterError, ModelFormatError
from driftloop.models.flavors.base import Flavor
from driftloop.models.flavors.lightgbm import LightGBMFlavor
from driftloop.models.flavors.pyfunc import PyfuncFlavor
from driftloop.models.flavors.pytorch import PyTorchFlavor
from driftloop.models.flavors.sklearn import SklearnFlavor
from driftloop.models.flavors.xgboost import XGBoostFlavor

FLAVORS: tuple[Flavor, ...] = (
    PyTorchFlavor(),
    # XGBoost and LightGBM wrappers subclass scikit-learn's BaseEstimator: claim them first.
    XGBoostFlavor(),
    LightGBMFlavor(),
    SklearnFlavor(),
    PyfuncFlavor(),
)
"""Every flavor, most specific first; ``pyfunc`` takes any object with ``predict``."""


def get_flavor(name: str) -> Flavor:
    """The flavor called ``name`` in a manifest; ``ModelFormatError`` if there is none."""
    for flavor in FLAVORS:
        if flavor.name == name:
            return flavor
    known = ", ".join(flavor.name for flavor in FLAVORS)
    raise ModelFormatError(f"unknown model flavor {name!r}; known flavors: {known}", field="flavor")


def flavor_for_model(model: object) -> Flavor:
    """The first flavor in :data:`FLAVORS` that handles ``model``.

    Raises:
        InvalidParameterError: No flavor handles it.
    """
    for flavor in FLAVORS:
        if flavor.handles(model):
            return flavor
    raise InvalidParameterError(
        f"cannot save a {type(model).__qualname__}: a model needs a predict method or must come "
        "from a supported library (scikit-learn, XGBoost, LightGBM, PyTorch)",
        field="model",
    )
