"""The quickstart's model: the training entry point its CT policy names.

:func:`train_model` follows the contract of ``training.entry_point``
(``fn(features, labels, **parameters) -> fitted model``): the quickstart trains version 1 with
it, and the CT controller calls it by name (``driftloop.cli._quickstart_model:train_model``)
to train the challenger, so it lives inside the package and works from an installed wheel.
"""

from __future__ import annotations

import importlib
from typing import Any

import pandas as pd

from driftloop.errors import MissingDependencyError

ENTRY_POINT = "driftloop.cli._quickstart_model:train_model"
"""How the policy names :func:`train_model`."""


def sklearn(module: str) -> Any:
    """``sklearn.<module>``, or a :class:`MissingDependencyError` naming the extra.

    Imported by name: scikit-learn is an optional extra and ships no type information.
    """
    try:
        return importlib.import_module(f"sklearn.{module}")
    except ImportError as error:
        raise MissingDependencyError("scikit-learn", "quickstart") from error


def train_model(
    features: pd.DataFrame,
    labels: pd.Series,
    *,
    n_estimators: int = 50,
    min_samples_leaf: int = 1,
    seed: int = 0,
) -> Any:
    """Extremely randomized trees: fast to fit, deterministic for a seed.

    Their fitted types are ones the secure model format (skops) loads without ``trusted``.
    """
    model = sklearn("ensemble").ExtraTreesClassifier(
        n_estimators=n_estimators, min_samples_leaf=min_samples_leaf, random_state=seed, n_jobs=1
    )
    return model.fit(features, labels)
