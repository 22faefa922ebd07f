from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from driftloop.errors import InvalidParameterError, ModelFormatError, UntrustedModelError
from driftloop.models.flavors._sklearn_trees import check_trees
from driftloop.models.flavors.base import FlavorModel, SupportsPredictProba
from driftloop.models.flavors.sklearn import SklearnFlavor

FLAVOR = SklearnFlavor()
UserModuleFactory = Callable[[str], ModuleType]


def round_trip(model: object, directory: Path, *, trusted: bool = False) -> FlavorModel:
    options = FLAVOR.save(model, directory, {})
    return FLAVOR.load(directory, options, trusted=trusted)


def test_dataframe_fitted_model_round_trips(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path
) -> None:
    features, target = tabular
    model = LogisticRegression().fit(features, target)

    loaded = round_trip(model, model_dir)

    assert isinstance(loaded, SupportsPredictProba)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
    np.testing.assert_array_equal(loaded.predict_proba(features), model.predict_proba(features))
    # An array gets the fitted column names, so scikit-learn does not warn.
    np.testing.assert_array_equal(loaded.predict(features.to_numpy()), model.predict(features))


def test_array_fitted_model_gets_arrays(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path
) -> None:
    features, target = tabular
    model = LogisticRegression().fit(features.to_numpy(), target)

    loaded = round_trip(model, model_dir)

    # A DataFrame would make scikit-learn warn (warnings are errors here).
    expected = model.predict_proba(features.to_numpy())
    assert isinstance(loaded, SupportsPredictProba)
    np.testing.assert_array_equal(loaded.predict_proba(features), expected)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features.to_numpy()))


def test_pipeline_round_trips(tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path) -> None:
    features, target = tabular
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(features, target)
    assert FLAVOR.handles(model)

    loaded = round_trip(model, model_dir)

    assert isinstance(loaded, SupportsPredictProba)
    np.testing.assert_array_equal(loaded.predict_proba(features), model.predict_proba(features))


def test_regressor_has_no_predict_proba(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path
) -> None:
    features, target = tabular
    model = LinearRegression().fit(features, target)

    loaded = round_trip(model, model_dir)

    assert not isinstance(loaded, SupportsPredictProba)
    np.testing.assert_allclose(loaded.predict(features), model.predict(features), rtol=0)


def test_save_returns_json_options(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path
) -> None:
    features, target = tabular
    options = FLAVOR.save(LinearRegression().fit(features, target), model_dir, {})

    assert options["file"] == "model.skops"
    assert (model_dir / "model.skops").is_file()
    assert set(options) == {"file", "sklearn_version", "skops_version"}


CUSTOM_TRANSFORMER = """
    from sklearn.base import BaseEstimator, TransformerMixin


    class Doubler(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            return X * 2
"""


def test_custom_type_needs_trust(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path, user_module: UserModuleFactory
) -> None:
    features, target = tabular
    module = user_module(CUSTOM_TRANSFORMER)
    model = make_pipeline(module.Doubler(), LogisticRegression()).fit(features, target)
    options = FLAVOR.save(model, model_dir, {})

    with pytest.raises(UntrustedModelError, match=rf"{module.__name__}\.Doubler.*trusted=True"):
        FLAVOR.load(model_dir, options, trusted=False)

    loaded = FLAVOR.load(model_dir, options, trusted=True)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))


def test_handles_only_sklearn_classes() -> None:
    class Custom:
        def predict(self, data: object) -> object:
            return data

    assert FLAVOR.handles(StandardScaler())
    assert not FLAVOR.handles(Custom())
    assert not FLAVOR.handles(np.zeros(3))


def test_unknown_option_is_refused(model_dir: Path) -> None:
    with pytest.raises(InvalidParameterError, match=r"unknown flavor options \['compress'\]"):
        FLAVOR.save(StandardScaler(), model_dir, {"compress": True})


def test_file_option_cannot_leave_the_directory(model_dir: Path) -> None:
    with pytest.raises(ModelFormatError, match=r"contains '\.\.'"):
        FLAVOR.load(model_dir, {"file": "../model.skops"}, trusted=True)


def test_corrupt_file_is_a_format_error(model_dir: Path) -> None:
    (model_dir / "model.skops").write_bytes(b"not a zip")

    with pytest.raises(ModelFormatError, match="not a readable skops file"):
        FLAVOR.load(model_dir, {"file": "model.skops"}, trusted=False)


@pytest.mark.parametrize(
    "make_model",
    [
        lambda: RandomForestClassifier(n_estimators=3, random_state=0),
        lambda: GradientBoostingClassifier(n_estimators=3, random_state=0),
        lambda: make_pipeline(StandardScaler(), DecisionTreeClassifier(random_state=0)),
    ],
    ids=["random-forest", "gradient-boosting", "pipeline-tree"],
)
def test_checked_trees_load_without_trust(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path, make_model: Callable[[], Any]
) -> None:
    features, target = tabular
    model = make_model().fit(features, target)
    loaded = round_trip(model, model_dir, trusted=False)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
    assert check_trees(loaded.raw) >= 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("children_left", 0, "child is not numbered after it"),
        ("children_right", 10_000, "child is outside the tree"),
        ("feature", 99, "splits on a feature outside the input"),
        ("children_left", -1, "exactly one child"),
    ],
)
def test_malformed_trees_are_refused(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path, field: str, value: int, message: str
) -> None:
    features, target = tabular
    model = DecisionTreeClassifier(random_state=0).fit(features, target)
    state = model.tree_.__getstate__()
    nodes = state["nodes"].copy()
    mapped = {"children_left": "left_child", "children_right": "right_child"}
    nodes[mapped.get(field, field)][0] = value  # the root is an internal node
    state["nodes"] = nodes
    model.tree_.__setstate__(state)
    with pytest.raises(ModelFormatError, match=message):
        check_trees(model)
    options = FLAVOR.save(model, model_dir, {})  # a crafted file on disk is refused on load
    with pytest.raises(ModelFormatError, match=message):
        FLAVOR.load(model_dir, options, trusted=False)


def test_untrusted_neighbours_still_need_trust(
    tabular: tuple[pd.DataFrame, np.ndarray], model_dir: Path
) -> None:
    features, target = tabular
    model = KNeighborsClassifier(n_neighbors=3, algorithm="kd_tree").fit(features, target)
    options = FLAVOR.save(model, model_dir, {})
    with pytest.raises(UntrustedModelError, match=r"KDTree.*trusted=True"):
        FLAVOR.load(model_dir, options, trusted=False)
