"""driftloop reads model directories written by the real ``mlflow`` package."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import mlflow.lightgbm
import mlflow.sklearn
import mlflow.xgboost
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb
import yaml
from mlflow.models import infer_signature
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from driftloop.errors import ModelFormatError, UntrustedModelError
from driftloop.models.flavors.base import SupportsPredictProba
from driftloop.models.mlflow_compat import MLMODEL_FILE, is_mlflow_model_dir, load_mlflow_model

pytestmark = [
    # mlflow.pyfunc, imported by every save_model, warns about its own type hints on import.
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning"),
    # mlflow's input-example code compares a pandas Index with a range (pandas 3 deprecation).
    pytest.mark.filterwarnings("ignore:Operation with range is deprecated"),
]

LGB_PARAMS = {
    "n_estimators": 3,
    "num_leaves": 4,
    "min_child_samples": 5,
    "verbose": -1,
    "n_jobs": 1,
}


@pytest.fixture
def tabular() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(42)
    features = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    target = (features["a"] - features["c"] > 0).astype(np.int64).to_numpy()
    return features, target


def edit_mlmodel(path: Path, edit: dict[str, object]) -> None:
    document = yaml.safe_load((path / MLMODEL_FILE).read_text(encoding="utf-8"))
    for flavor, changes in edit.items():
        if changes is None:
            del document["flavors"][flavor]
        else:
            assert isinstance(changes, dict)
            document["flavors"][flavor].update(changes)
    (path / MLMODEL_FILE).write_text(yaml.safe_dump(document), encoding="utf-8")


def test_sklearn_skops_loads_untrusted_with_metadata(
    tmp_path: Path, tabular: tuple[pd.DataFrame, np.ndarray]
) -> None:
    features, target = tabular
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(features, target)
    path = tmp_path / "model"
    mlflow.sklearn.save_model(
        model,
        path,
        serialization_format="skops",
        signature=infer_signature(features, model.predict(features)),
        input_example=features.head(3),
        pip_requirements=["scikit-learn"],
    )

    assert is_mlflow_model_dir(path)
    loaded = load_mlflow_model(path, trusted=False)

    assert loaded.flavor == "sklearn"
    assert isinstance(loaded.model, SupportsPredictProba)
    np.testing.assert_array_equal(loaded.model.predict(features), model.predict(features))
    np.testing.assert_array_equal(
        loaded.model.predict_proba(features), model.predict_proba(features)
    )
    assert loaded.signature is not None
    assert '"name": "a"' in loaded.signature["inputs"]
    assert loaded.input_example is not None
    assert loaded.input_example["artifact_path"] == "input_example.json"
    assert loaded.model_uuid is not None
    assert loaded.utc_time_created is not None
    assert loaded.run_id is None


@pytest.mark.parametrize("serialization_format", ["pickle", "cloudpickle"])
def test_sklearn_pickle_needs_trust(
    tmp_path: Path, tabular: tuple[pd.DataFrame, np.ndarray], serialization_format: str
) -> None:
    features, target = tabular
    model = LogisticRegression().fit(features.to_numpy(), target)
    path = tmp_path / "model"
    mlflow.sklearn.save_model(
        model, path, serialization_format=serialization_format, pip_requirements=["scikit-learn"]
    )

    with pytest.raises(
        UntrustedModelError,
        match=rf"serialization_format '{serialization_format}'\) is a pickle.*trusted=True",
    ):
        load_mlflow_model(path, trusted=False)

    loaded = load_mlflow_model(path, trusted=True)
    np.testing.assert_array_equal(
        loaded.model.predict(features), model.predict(features.to_numpy())
    )


def test_skops_trusted_types_from_mlmodel_are_ignored(
    tmp_path: Path, tabular: tuple[pd.DataFrame, np.ndarray]
) -> None:
    features, target = tabular
    model = lgb.LGBMClassifier(**LGB_PARAMS).fit(features, target)
    path = tmp_path / "model"
    # An sklearn-flavor skops file holding LightGBM types: the MLmodel file whitelists them.
    mlflow.sklearn.save_model(
        model,
        path,
        serialization_format="skops",
        skops_trusted_types=[
            "collections.OrderedDict",
            "lightgbm.basic.Booster",
            "lightgbm.sklearn.LGBMClassifier",
        ],
        pip_requirements=["scikit-learn"],
    )

    with pytest.raises(UntrustedModelError, match=r"lightgbm\.sklearn\.LGBMClassifier"):
        load_mlflow_model(path, trusted=False)


@pytest.mark.parametrize("estimator", [xgb.XGBClassifier, xgb.XGBRegressor])
def test_xgboost_sklearn_wrappers(
    tmp_path: Path, tabular: tuple[pd.DataFrame, np.ndarray], estimator: type
) -> None:
    features, target = tabular
    model = estimator(n_estimators=3, max_depth=2).fit(features, target)
    path = tmp_path / "model"
    mlflow.xgboost.save_model(model, path, pip_requirements=["xgboost"])

    loaded = load_mlflow_model(path, trusted=False)

    assert loaded.flavor == "xgboost"
    assert type(loaded.model.raw) is estimator
    np.testing.assert_array_equal(loaded.model.predict(features), model.predict(features))
    if isinstance(loaded.model, SupportsPredictProba):
        np.testing.assert_array_equal(
            loaded.model.predict_proba(features), model.predict_proba(features)
        )


def test_xgboost_booster(tmp_path: Path, tabular: tuple[pd.DataFrame, np.ndarray]) -> None:
    features, target = tabular
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 2},
        xgb.DMatrix(features, label=target),
        num_boost_round=3,
    )
    path = tmp_path / "model"
    mlflow.xgboost.save_model(booster, path, pip_requirements=["xgboost"])

    loaded = load_mlflow_model(path, trusted=False)

    np.testing.assert_array_equal(
        loaded.model.predict(features), booster.predict(xgb.DMatrix(features))
    )


def test_xgboost_model_class_outside_allow_list_is_refused(
    tmp_path: Path, tabular: tuple[pd.DataFrame, np.ndarray]
) -> None:
    features, target = tabular
    path = tmp_path / "model"
    model = xgb.XGBRegressor(n_estimators=2).fit(features, target)
    mlflow.xgboost.save_model(model, path, pip_requirements=["xgboost"])
    edit_mlmodel(path, {"xgboost": {"model_class": "subprocess.Popen"}})

    with pytest.raises(ModelFormatError, match=r"model_class 'subprocess\.Popen' is not one"):
        load_mlflow_model(path, trusted=True)


def test_lightgbm_booster_is_native(
    tmp_path: Path, tabular: tuple[pd.DataFrame, np.ndarray]
) -> None:
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
    path = tmp_path / "model"
    mlflow.lightgbm.save_model(booster, path, pip_requirements=["lightgbm"])

    loaded = load_mlflow_model(path, trusted=False)

    assert loaded.flavor == "lightgbm"
    assert (path / "model.lgb").is_file()
    np.testing.assert_array_equal(loaded.model.predict(features), booster.predict(features))


def test_lightgbm_classifier_skops_loads_untrusted(
    tmp_path: Path, tabular: tuple[pd.DataFrame, np.ndarray]
) -> None:
    features, target = tabular
    model = lgb.LGBMClassifier(**LGB_PARAMS).fit(features, target)
    path = tmp_path / "model"
    mlflow.lightgbm.save_model(
        model, path, serialization_format="skops", pip_requirements=["lightgbm"]
    )

    loaded = load_mlflow_model(path, trusted=False)

    assert isinstance(loaded.model, SupportsPredictProba)
    np.testing.assert_array_equal(loaded.model.predict(features), model.predict(features))
    np.testing.assert_array_equal(
        loaded.model.predict_proba(features), model.predict_proba(features)
    )


def test_lightgbm_classifier_pickle_needs_trust(
    tmp_path: Path, tabular: tuple[pd.DataFrame, np.ndarray]
) -> None:
    features, target = tabular
    model = lgb.LGBMClassifier(**LGB_PARAMS).fit(features, target)
    path = tmp_path / "model"
    mlflow.lightgbm.save_model(
        model, path, serialization_format="cloudpickle", pip_requirements=["lightgbm"]
    )

    with pytest.raises(UntrustedModelError, match=r"LGBMClassifier model .* is a pickle"):
        load_mlflow_model(path, trusted=False)

    loaded = load_mlflow_model(path, trusted=True)
    assert isinstance(loaded.model, SupportsPredictProba)
    np.testing.assert_array_equal(
        loaded.model.predict_proba(features), model.predict_proba(features)
    )


@pytest.mark.parametrize("pickled_model", ["../outside.skops", "/etc/passwd", "a/../../x"])
def test_paths_leaving_the_directory_are_refused(
    tmp_path: Path, tabular: tuple[pd.DataFrame, np.ndarray], pickled_model: str
) -> None:
    features, target = tabular
    path = tmp_path / "model"
    mlflow.sklearn.save_model(
        LogisticRegression().fit(features, target),
        path,
        serialization_format="skops",
        pip_requirements=["scikit-learn"],
    )
    (tmp_path / "outside.skops").write_bytes((path / "model.skops").read_bytes())
    edit_mlmodel(path, {"sklearn": {"pickled_model": pickled_model}})

    with pytest.raises(ModelFormatError, match="model directory"):
        load_mlflow_model(path, trusted=True)


def test_only_python_function_flavor_is_refused(
    tmp_path: Path, tabular: tuple[pd.DataFrame, np.ndarray]
) -> None:
    features, target = tabular
    path = tmp_path / "model"
    mlflow.sklearn.save_model(
        LogisticRegression().fit(features, target),
        path,
        serialization_format="skops",
        pip_requirements=["scikit-learn"],
    )
    edit_mlmodel(path, {"sklearn": None})

    with pytest.raises(
        ModelFormatError,
        match=r"has flavors: python_function; driftloop reads: sklearn, xgboost, lightgbm",
    ):
        load_mlflow_model(path, trusted=True)


def test_missing_or_invalid_mlmodel(tmp_path: Path) -> None:
    assert not is_mlflow_model_dir(tmp_path)
    with pytest.raises(ModelFormatError, match="has no readable MLmodel file"):
        load_mlflow_model(tmp_path, trusted=False)

    (tmp_path / MLMODEL_FILE).write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ModelFormatError, match="MLmodel is not a YAML mapping"):
        load_mlflow_model(tmp_path, trusted=False)

    (tmp_path / MLMODEL_FILE).write_text("flavors: !!python/object:os.system {}\n", "utf-8")
    with pytest.raises(ModelFormatError, match="MLmodel is not valid YAML"):
        load_mlflow_model(tmp_path, trusted=False)
