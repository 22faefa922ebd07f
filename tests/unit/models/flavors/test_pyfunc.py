from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from driftloop.errors import ModelFormatError, UntrustedModelError
from driftloop.models.flavors.base import SupportsPredictProba
from driftloop.models.flavors.pyfunc import PyfuncFlavor

FLAVOR = PyfuncFlavor()
UserModuleFactory = Callable[[str], ModuleType]


class Threshold:
    """Defined in the test module: cloudpickle stores it by reference."""

    def __init__(self, cut: float) -> None:
        self.cut = cut

    def predict(self, data: pd.DataFrame) -> np.ndarray:
        return (np.asarray(data)[:, 0] > self.cut).astype(np.int64)

    def predict_proba(self, data: pd.DataFrame) -> np.ndarray:
        score = 1 / (1 + np.exp(-(np.asarray(data)[:, 0] - self.cut)))
        return np.column_stack((1 - score, score))


def test_round_trip_needs_trust(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path, user_module: UserModuleFactory
) -> None:
    features, _ = tabular
    module = user_module(
        """
        import numpy as np

        class Scorer:
            def __init__(self, weights):
                self.weights = np.asarray(weights)

            def predict(self, data):
                return np.asarray(data) @ self.weights
        """
    )
    model = module.Scorer([1.0, -2.0, 0.5])
    options = FLAVOR.save(model, model_dir, {})

    with pytest.raises(UntrustedModelError, match=r"is a pickle.*trusted=True \(CLI: --trusted\)"):
        FLAVOR.load(model_dir, options, trusted=False)

    loaded = FLAVOR.load(model_dir, options, trusted=True)
    assert not isinstance(loaded, SupportsPredictProba)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))


def test_predict_proba_is_exposed_when_present(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path
) -> None:
    features, _ = tabular
    model = Threshold(0.1)

    loaded = FLAVOR.load(model_dir, FLAVOR.save(model, model_dir, {}), trusted=True)

    assert isinstance(loaded, SupportsPredictProba)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
    np.testing.assert_array_equal(loaded.predict_proba(features), model.predict_proba(features))


def test_lambda_models_pickle_by_value(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path
) -> None:
    features, _ = tabular

    class Local:
        predict = staticmethod(lambda data: np.asarray(data).sum(axis=1))

    loaded = FLAVOR.load(model_dir, FLAVOR.save(Local(), model_dir, {}), trusted=True)

    np.testing.assert_array_equal(loaded.predict(features), features.to_numpy().sum(axis=1))


def test_handles_instances_with_predict() -> None:
    assert FLAVOR.handles(Threshold(0.0))
    assert not FLAVOR.handles(Threshold)
    assert not FLAVOR.handles(object())


def test_unpickled_object_without_predict_is_refused(model_dir: Path) -> None:
    # save() accepts any picklable object; handles() is what keeps non-models out.
    options = FLAVOR.save({"not": "a model"}, model_dir, {})

    with pytest.raises(ModelFormatError, match="holds a dict without a predict method"):
        FLAVOR.load(model_dir, options, trusted=True)


def test_garbage_is_a_format_error(model_dir: Path) -> None:
    (model_dir / "model.pkl").write_bytes(b"\x80\x05garbage")

    with pytest.raises(ModelFormatError, match=r"model\.pkl does not unpickle"):
        FLAVOR.load(model_dir, {"file": "model.pkl"}, trusted=True)
