from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

from driftloop.errors import InvalidParameterError, ModelFormatError
from driftloop.models.flavors.base import SupportsPredictProba
from driftloop.models.flavors.xgboost import XGBoostFlavor

FLAVOR = XGBoostFlavor()
PARAMS = {"n_estimators": 3, "max_depth": 2, "n_jobs": 1}


def test_classifier_round_trips(tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path) -> None:
    features, target = tabular
    model = xgb.XGBClassifier(**PARAMS).fit(features, target)

    options = FLAVOR.save(model, model_dir, {})
    loaded = FLAVOR.load(model_dir, options, trusted=False)

    assert options["model_class"] == "XGBClassifier"
    assert type(loaded.raw) is xgb.XGBClassifier
    assert isinstance(loaded, SupportsPredictProba)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
    np.testing.assert_array_equal(loaded.predict_proba(features), model.predict_proba(features))


def test_regressor_round_trips(tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path) -> None:
    features, target = tabular
    model = xgb.XGBRegressor(**PARAMS).fit(features.to_numpy(), target)

    loaded = FLAVOR.load(model_dir, FLAVOR.save(model, model_dir, {}), trusted=False)

    assert not isinstance(loaded, SupportsPredictProba)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features.to_numpy()))


def test_booster_round_trips_with_feature_names(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path
) -> None:
    features, target = tabular
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 2, "nthread": 1},
        xgb.DMatrix(features, label=target),
        num_boost_round=3,
    )
    expected = booster.predict(xgb.DMatrix(features))

    options = FLAVOR.save(booster, model_dir, {})
    loaded = FLAVOR.load(model_dir, options, trusted=False)

    assert options["model_class"] == "Booster"
    np.testing.assert_array_equal(loaded.predict(features), expected)
    # Columns are put in training order; an array is given the booster's feature names.
    np.testing.assert_array_equal(loaded.predict(features[["c", "a", "b"]]), expected)
    np.testing.assert_array_equal(loaded.predict(features.to_numpy()), expected)


def test_handles_exact_xgboost_classes_only() -> None:
    class MyClassifier(xgb.XGBClassifier):
        pass

    assert FLAVOR.handles(xgb.XGBClassifier())
    assert FLAVOR.handles(xgb.Booster())
    assert not FLAVOR.handles(MyClassifier())
    assert not FLAVOR.handles(object())


def test_model_class_outside_allow_list_is_refused(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path
) -> None:
    features, target = tabular
    options = FLAVOR.save(xgb.XGBRegressor(**PARAMS).fit(features, target), model_dir, {})

    with pytest.raises(ModelFormatError, match=r"model class 'os\.system' is not one"):
        FLAVOR.load(model_dir, {**options, "model_class": "os.system"}, trusted=True)


def test_unknown_option_is_refused(model_dir: Path) -> None:
    with pytest.raises(InvalidParameterError, match=r"unknown flavor options \['format'\]"):
        FLAVOR.save(xgb.XGBRegressor(), model_dir, {"format": "json"})


def test_corrupt_file_is_a_format_error(model_dir: Path) -> None:
    (model_dir / "model.ubj").write_bytes(b"garbage")
    options = {"file": "model.ubj", "model_class": "Booster"}

    with pytest.raises(ModelFormatError, match="not a readable XGBoost model"):
        FLAVOR.load(model_dir, options, trusted=False)
