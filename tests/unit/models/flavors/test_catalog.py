from __future__ import annotations

import lightgbm as lgb
import pytest
import torch
import xgboost as xgb
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from driftloop.errors import InvalidParameterError, ModelFormatError
from driftloop.models.flavors.catalog import FLAVORS, flavor_for_model, get_flavor


class HasPredict:
    def predict(self, data: object) -> object:
        return data


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (torch.nn.Linear(2, 1), "pytorch"),
        (xgb.XGBClassifier(), "xgboost"),
        (xgb.Booster(), "xgboost"),
        (lgb.LGBMRegressor(), "lightgbm"),
        (make_pipeline(StandardScaler(), LogisticRegression()), "sklearn"),
        (StandardScaler(), "sklearn"),
        (HasPredict(), "pyfunc"),
    ],
)
def test_flavor_for_model(model: object, expected: str) -> None:
    assert flavor_for_model(model).name == expected


def test_model_without_predict_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match="a model needs a predict method") as info:
        flavor_for_model(object())
    assert info.value.field == "model"


def test_get_flavor() -> None:
    assert [get_flavor(flavor.name) for flavor in FLAVORS] == list(FLAVORS)
    assert [flavor.name for flavor in FLAVORS] == [
        "pytorch",
        "xgboost",
        "lightgbm",
        "sklearn",
        "pyfunc",
    ]


def test_unknown_flavor_lists_known_ones() -> None:
    with pytest.raises(
        ModelFormatError, match=r"unknown model flavor 'onnx'; known flavors: pytorch, xgboost"
    ):
        get_flavor("onnx")
