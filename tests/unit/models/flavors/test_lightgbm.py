from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from driftloop.errors import InvalidParameterError, ModelFormatError
from driftloop.models.flavors.base import SupportsPredictProba
from driftloop.models.flavors.lightgbm import LightGBMFlavor

FLAVOR = LightGBMFlavor()
PARAMS = {"n_estimators": 3, "num_leaves": 4, "min_child_samples": 5, "verbose": -1, "n_jobs": 1}


def test_binary_classifier_with_string_classes(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path
) -> None:
    features, target = tabular
    labels = np.where(target == 1, "yes", "no")
    model = lgb.LGBMClassifier(**PARAMS).fit(features, labels)

    options = FLAVOR.save(model, model_dir, {})
    loaded = FLAVOR.load(model_dir, options, trusted=False)

    assert options["classes"] == ["no", "yes"]
    assert isinstance(loaded, SupportsPredictProba)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
    np.testing.assert_allclose(
        loaded.predict_proba(features), model.predict_proba(features), rtol=0, atol=0
    )


def test_multiclass_classifier_round_trips(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path
) -> None:
    features, _ = tabular
    labels = np.digitize(features["a"].to_numpy(), [-0.5, 0.5]) + 10
    model = lgb.LGBMClassifier(**PARAMS).fit(features.to_numpy(), labels)

    loaded = FLAVOR.load(model_dir, FLAVOR.save(model, model_dir, {}), trusted=False)

    arrays = features.to_numpy()
    assert isinstance(loaded, SupportsPredictProba)
    np.testing.assert_array_equal(loaded.predict(arrays), model.predict(arrays))
    np.testing.assert_array_equal(loaded.predict_proba(features), model.predict_proba(arrays))


def test_regressor_round_trips(tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path) -> None:
    features, target = tabular
    model = lgb.LGBMRegressor(**PARAMS).fit(features, target.astype(float))

    loaded = FLAVOR.load(model_dir, FLAVOR.save(model, model_dir, {}), trusted=False)

    assert not isinstance(loaded, SupportsPredictProba)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
    # Columns are put back in training order.
    np.testing.assert_array_equal(
        loaded.predict(features[["c", "b", "a"]]), model.predict(features)
    )


def test_booster_round_trips(tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path) -> None:
    features, target = tabular
    booster = lgb.train(
        {
            "objective": "binary",
            "num_leaves": 4,
            "min_data_in_leaf": 5,
            "verbose": -1,
            "num_threads": 1,
        },
        lgb.Dataset(features, label=target),
        num_boost_round=3,
    )

    options = FLAVOR.save(booster, model_dir, {})
    loaded = FLAVOR.load(model_dir, options, trusted=False)

    assert options["model_class"] == "Booster"
    np.testing.assert_array_equal(loaded.predict(features), booster.predict(features))


def test_unfitted_wrapper_is_refused(model_dir: Path) -> None:
    with pytest.raises(InvalidParameterError, match="this LGBMClassifier is not fitted"):
        FLAVOR.save(lgb.LGBMClassifier(), model_dir, {})


def test_bad_classes_dtype_is_a_format_error(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path
) -> None:
    features, target = tabular
    options = FLAVOR.save(lgb.LGBMClassifier(**PARAMS).fit(features, target), model_dir, {})

    with pytest.raises(ModelFormatError, match="bad classes_dtype 'M8'"):
        FLAVOR.load(model_dir, {**options, "classes_dtype": "M8"}, trusted=False)


def test_handles_exact_lightgbm_classes_only() -> None:
    assert FLAVOR.handles(lgb.LGBMRanker())
    assert not FLAVOR.handles(lgb.Dataset(np.zeros((2, 2))))
