"""The ``pyfunc`` flavor: any object with a ``predict`` method, stored with cloudpickle.

This is the fallback for models no library flavor claims. Unpickling runs code chosen by
whoever wrote the file, so :meth:`PyfuncFlavor.load` always needs ``trusted=True``.
"""

from __future__ import annotations

import importlib.metadata
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from driftloop.errors import InvalidParameterError, ModelFormatError, UntrustedModelError
from driftloop.models.flavors._support import (
    TRUST_HINT,
    check_option_keys,
    option_str,
    resolve_model_file,
)
from driftloop.models.flavors.base import Flavor, FlavorModel, ModelInput

PICKLE_FILE = "model.pkl"


class PyfuncModel(FlavorModel):
    """A user object; ``predict`` is its own ``predict``."""

    def __init__(self, model: Any) -> None:
        self.raw = model

    def predict(self, data: ModelInput) -> Any:
        """The object's ``predict``."""
        return self.raw.predict(data)


class PyfuncClassifierModel(PyfuncModel):
    """A user object that also has ``predict_proba``."""

    def predict_proba(self, data: ModelInput) -> np.ndarray:
        """The object's ``predict_proba``."""
        return np.asarray(self.raw.predict_proba(data))


def wrap_object(model: Any) -> PyfuncModel:
    """Wrap a user object; with ``predict_proba`` only when it has a callable one."""
    if callable(getattr(model, "predict_proba", None)):
        return PyfuncClassifierModel(model)
    return PyfuncModel(model)


def load_pickle(path: Path, *, trusted: bool, what: str) -> Any:
    """Unpickle ``path`` (plain pickle or cloudpickle), only when ``trusted``.

    Args:
        path: The pickle file.
        trusted: Whether the caller trusts the file's source.
        what: Describes the file in the refusal message (``"this pyfunc model"``...).

    Raises:
        UntrustedModelError: ``trusted`` is false.
        ModelFormatError: The file does not unpickle.
    """
    if not trusted:
        raise UntrustedModelError(
            f"{what} is a pickle ({path.name}); unpickling it runs arbitrary code from the "
            "model file; " + TRUST_HINT,
        )
    # cloudpickle writes ordinary pickles (reading them needs the by-value classes' imports,
    # which the pickle itself names); pickle.load reads both formats.
    try:
        with path.open("rb") as stream:
            return pickle.load(stream)  # noqa: S301 - the caller passed trusted=True
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise ModelFormatError(f"{path.name} does not unpickle: {exc}", field="file") from exc


class PyfuncFlavor(Flavor):
    """Any object with a callable ``predict``, written with ``cloudpickle.dump``."""

    name = "pyfunc"
    extra = ""  # cloudpickle is a core dependency: no extra needed
    packages = ("cloudpickle",)

    def handles(self, model: object) -> bool:
        """Instances (not classes) with a callable ``predict``."""
        return not isinstance(model, type) and callable(getattr(model, "predict", None))

    def save(self, model: object, directory: Path, options: Mapping[str, Any]) -> dict[str, Any]:
        """Write ``model.pkl`` with cloudpickle."""
        check_option_keys(options, ())
        import cloudpickle  # a core dependency, imported lazily to keep `import driftloop` fast

        try:
            with (directory / PICKLE_FILE).open("wb") as stream:
                cloudpickle.dump(model, stream)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise InvalidParameterError(
                f"this {type(model).__qualname__} cannot be pickled: {exc}", field="model"
            ) from exc
        return {
            "file": PICKLE_FILE,
            "cloudpickle_version": importlib.metadata.version("cloudpickle"),
        }

    def load(self, directory: Path, options: Mapping[str, Any], *, trusted: bool) -> FlavorModel:
        """Unpickle ``model.pkl``; always needs ``trusted=True``."""
        path = resolve_model_file(directory, option_str(options, "file"), field="file")
        model = load_pickle(path, trusted=trusted, what="this pyfunc model")
        if not callable(getattr(model, "predict", None)):
            raise ModelFormatError(
                f"{path.name} holds a {type(model).__qualname__} without a predict method",
                field="file",
            )
        return wrap_object(model)
