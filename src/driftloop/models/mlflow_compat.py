"""Read model directories written by MLflow (``mlflow.<flavor>.save_model``).

Only the native flavor blocks of the ``MLmodel`` file are used (``sklearn``, ``xgboost``,
``lightgbm``); MLflow's ``python_function`` block names a loader module to import, which
driftloop never does. The same trust rules as driftloop's own flavors apply: skops files load
untrusted only when they hold no unknown types, pickles only with ``trusted=True``, native
XGBoost/LightGBM files always. File paths in ``MLmodel`` must stay inside the model directory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from driftloop.errors import ModelFormatError
from driftloop.models.flavors._support import import_optional, resolve_model_file
from driftloop.models.flavors.base import FlavorModel
from driftloop.models.flavors.lightgbm import LightGBMBoosterModel, load_lightgbm_booster
from driftloop.models.flavors.pyfunc import load_pickle
from driftloop.models.flavors.sklearn import load_skops, wrap_estimator
from driftloop.models.flavors.xgboost import load_xgboost

MLMODEL_FILE = "MLmodel"

_PICKLE_FORMATS = frozenset({"pickle", "cloudpickle"})
_XGBOOST_CLASSES = {
    "xgboost.core.Booster": "Booster",
    "xgboost.sklearn.XGBClassifier": "XGBClassifier",
    "xgboost.sklearn.XGBRegressor": "XGBRegressor",
    "xgboost.sklearn.XGBRanker": "XGBRanker",
    "xgboost.sklearn.XGBRFClassifier": "XGBRFClassifier",
    "xgboost.sklearn.XGBRFRegressor": "XGBRFRegressor",
}
_LIGHTGBM_BOOSTER = "lightgbm.basic.Booster"
_LIGHTGBM_ESTIMATORS = frozenset(
    {
        "lightgbm.sklearn.LGBMClassifier",
        "lightgbm.sklearn.LGBMRegressor",
        "lightgbm.sklearn.LGBMRanker",
    }
)
# skops calls these types untrusted, but rebuilding them runs no code from the file (the Booster
# parses its model string natively). driftloop vouches for them; the MLmodel file never can.
_LIGHTGBM_SKOPS_TYPES = frozenset({"collections.OrderedDict", _LIGHTGBM_BOOSTER})
_LIGHTGBM_SKOPS_SAFE = _LIGHTGBM_SKOPS_TYPES | _LIGHTGBM_ESTIMATORS


@dataclass(frozen=True, slots=True)
class MlflowModel:
    """A model read from an MLflow model directory.

    Attributes:
        flavor: The ``MLmodel`` flavor block it was read from (``sklearn``, ``xgboost``...).
        model: The model, with the same ``predict`` as driftloop's own flavors give.
        signature: The raw ``signature:`` block of ``MLmodel`` (JSON strings inside), if any.
        run_id: The run that logged the model, if recorded.
        model_uuid: MLflow's id of the model, if recorded.
        utc_time_created: When MLflow saved the model, as written in ``MLmodel``.
        input_example: The raw ``saved_input_example_info`` block, if any.
    """

    flavor: str
    model: FlavorModel
    signature: Mapping[str, Any] | None
    run_id: str | None
    model_uuid: str | None
    utc_time_created: str | None
    input_example: Mapping[str, Any] | None


def is_mlflow_model_dir(path: Path) -> bool:
    """Whether ``path`` is a directory with an ``MLmodel`` file."""
    return (path / MLMODEL_FILE).is_file()


def load_mlflow_model(path: Path, *, trusted: bool) -> MlflowModel:
    """Read the MLflow model in directory ``path`` from its native flavor block.

    Args:
        path: The model directory (holding ``MLmodel``).
        trusted: Whether the caller trusts the model's source; needed for pickles and for
            skops files holding types outside skops' defaults.

    Raises:
        ModelFormatError: No readable ``MLmodel``, no flavor driftloop reads, a bad file path.
        UntrustedModelError: Loading would unpickle or run code and ``trusted`` is false.
        MissingDependencyError: The flavor's library is not installed.
    """
    document = _read_mlmodel(path)
    flavors = document.get("flavors")
    if not isinstance(flavors, Mapping):
        raise ModelFormatError(f"{MLMODEL_FILE} has no 'flavors' mapping", field="flavors")
    for name, loader in _LOADERS.items():
        conf = flavors.get(name)
        if isinstance(conf, Mapping):
            model = loader(path, conf, trusted)
            break
    else:
        found = ", ".join(sorted(str(key) for key in flavors)) or "none"
        raise ModelFormatError(
            f"the MLflow model has flavors: {found}; driftloop reads: {', '.join(_LOADERS)}",
            field="flavors",
        )
    return MlflowModel(
        flavor=name,
        model=model,
        signature=_mapping_or_none(document.get("signature")),
        run_id=_str_or_none(document.get("run_id")),
        model_uuid=_str_or_none(document.get("model_uuid")),
        utc_time_created=_str_or_none(document.get("utc_time_created")),
        input_example=_mapping_or_none(document.get("saved_input_example_info")),
    )


def _read_mlmodel(path: Path) -> Mapping[str, Any]:
    try:
        text = (path / MLMODEL_FILE).read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelFormatError(f"{path} has no readable {MLMODEL_FILE} file", field="path") from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ModelFormatError(f"{MLMODEL_FILE} is not valid YAML", field="path") from exc
    if not isinstance(document, Mapping):
        raise ModelFormatError(f"{MLMODEL_FILE} is not a YAML mapping", field="path")
    return document


def _load_sklearn(path: Path, conf: Mapping[str, Any], trusted: bool) -> FlavorModel:
    file = resolve_model_file(path, conf.get("pickled_model"), field="pickled_model")
    # MLflow itself assumes pickle when the format is missing (models from before skops).
    serialization_format = conf.get("serialization_format", "pickle")
    # The MLmodel file's own `skops_trusted_types` list is ignored: a crafted model could
    # whitelist anything in it.
    if serialization_format == "skops":
        return wrap_estimator(load_skops(file, trusted=trusted))
    if serialization_format in _PICKLE_FORMATS:
        import_optional("sklearn", package="scikit-learn", extra="sklearn")
        what = f"this MLflow sklearn model (serialization_format {serialization_format!r})"
        estimator = load_pickle(file, trusted=trusted, what=what)
        return wrap_estimator(estimator)
    raise ModelFormatError(
        f"unknown sklearn serialization_format {serialization_format!r}",
        field="serialization_format",
    )


def _load_xgboost(path: Path, conf: Mapping[str, Any], trusted: bool) -> FlavorModel:
    del trusted  # the native format runs no code
    model_class = conf.get("model_class", "xgboost.core.Booster")
    class_name = _XGBOOST_CLASSES.get(model_class) if isinstance(model_class, str) else None
    if class_name is None:
        raise ModelFormatError(
            f"xgboost model_class {model_class!r} is not one driftloop rebuilds; "
            f"expected one of {sorted(_XGBOOST_CLASSES)}",
            field="model_class",
        )
    file = resolve_model_file(path, conf.get("data"), field="data")
    return load_xgboost(file, class_name)


def _load_lightgbm(path: Path, conf: Mapping[str, Any], trusted: bool) -> FlavorModel:
    model_class = conf.get("model_class", _LIGHTGBM_BOOSTER)
    file = resolve_model_file(path, conf.get("data"), field="data")
    if model_class == _LIGHTGBM_BOOSTER:
        return LightGBMBoosterModel(load_lightgbm_booster(file))
    if model_class not in _LIGHTGBM_ESTIMATORS:
        raise ModelFormatError(
            f"lightgbm model_class {model_class!r} is not one driftloop reads; expected one of "
            f"{sorted(_LIGHTGBM_ESTIMATORS | {_LIGHTGBM_BOOSTER})}",
            field="model_class",
        )
    import_optional("lightgbm", package="lightgbm", extra="lightgbm")
    # MLflow writes LightGBM's scikit-learn wrappers with skops or (cloud)pickle, never natively.
    serialization_format = conf.get("serialization_format", "cloudpickle")
    if serialization_format == "skops":
        estimator = load_skops(file, trusted=trusted, known_safe=_LIGHTGBM_SKOPS_SAFE)
    elif serialization_format in _PICKLE_FORMATS:
        what = f"this MLflow {model_class} model (serialization_format {serialization_format!r})"
        estimator = load_pickle(file, trusted=trusted, what=what)
    else:
        raise ModelFormatError(
            f"unknown lightgbm serialization_format {serialization_format!r}",
            field="serialization_format",
        )
    return wrap_estimator(estimator)


_LOADERS: dict[str, Callable[[Path, Mapping[str, Any], bool], FlavorModel]] = {
    "sklearn": _load_sklearn,
    "xgboost": _load_xgboost,
    "lightgbm": _load_lightgbm,
}


def _mapping_or_none(value: object) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)
