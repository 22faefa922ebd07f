"""log_model -> load_model -> register_model -> aliases -> lineage, on the embedded store."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import driftloop
from driftloop.entities import RegistryEventType
from driftloop.errors import (
    AliasNotFoundError,
    ExtraColumnsWarning,
    InvalidParameterError,
    ModelFormatError,
    ModelVersionNotFoundError,
    RegisteredModelNotFoundError,
    SignatureError,
    UntrustedModelError,
)
from driftloop.models import ProbabilisticLoadedModel, save_model
from driftloop.models.client_methods import LOGGED_MODELS_TAG
from driftloop.registry import model_lineage

Data = tuple[pd.DataFrame, pd.Series]


def _train(churn: Data) -> LogisticRegression:
    frame, target = churn
    return LogisticRegression(max_iter=500).fit(frame, target)


class Doubler:
    """A pyfunc model: any object with predict."""

    def predict(self, data: pd.DataFrame) -> np.ndarray:
        return data.to_numpy().sum(axis=1) * 2


def test_log_model_stores_the_whole_directory(client: driftloop.Client, churn: Data) -> None:
    frame, target = churn
    with driftloop.start_run() as run:
        driftloop.log_param("C", 1.0)
        info = driftloop.log_model(_train(churn), "model", training_data=frame, target=target)
    assert info.model_uri == f"runs:/{run.run_id}/model"
    assert info.flavor == "sklearn"
    assert info.has_profile
    assert info.signature is not None
    assert info.signature.inputs.column_names == ("age", "tenure", "monthly")
    files = {f.path for f in client.list_artifacts(run.run_id, "model")}
    assert files >= {
        "model/manifest.json",
        "model/model",
        "model/signature.json",
        "model/input_example.json",
        "model/requirements.txt",
        "model/profile.json",
    }
    stored = client.get_run(run.run_id)
    logged = json.loads(stored.data.tags[LOGGED_MODELS_TAG])
    assert [entry["artifact_path"] for entry in logged] == ["model"]
    (training,) = stored.inputs.dataset_inputs
    assert training.tags["mlflow.data.context"] == "training"


def test_load_from_run_enforces_the_signature(client: driftloop.Client, churn: Data) -> None:
    frame, target = churn
    estimator = _train(churn)
    with driftloop.start_run():
        info = driftloop.log_model(estimator, "model", training_data=frame, target=target)
    model = driftloop.load_model(info.model_uri)
    assert isinstance(model, ProbabilisticLoadedModel)
    np.testing.assert_array_equal(model.predict(frame), estimator.predict(frame))
    np.testing.assert_allclose(model.predict_proba(frame), estimator.predict_proba(frame))
    # Other input shapes give the same answers.
    records = frame.head(3).to_dict(orient="records")
    np.testing.assert_array_equal(model.predict(records), estimator.predict(frame.head(3)))
    columns = {name: frame[name].head(3).tolist() for name in reversed(frame.columns)}
    np.testing.assert_array_equal(model.predict(columns), estimator.predict(frame.head(3)))
    with pytest.raises(SignatureError, match="tenure") as raised:
        model.predict(frame.drop(columns=["tenure"]))
    assert raised.value.field == "tenure"
    with pytest.raises(SignatureError, match="monthly"):
        model.predict(frame.assign(monthly="high"))
    with pytest.warns(ExtraColumnsWarning, match="'extra'"):
        model.predict(frame.assign(extra=1))
    assert model.profile is not None
    assert model.profile.row_count == len(frame)
    assert model.profile.target is not None
    assert model.profile.predictions is not None
    assert model.metadata.run_id == info.run_id
    assert any(line.startswith("scikit-learn==") for line in model.metadata.requirements)
    assert model.input_example is not None


def test_register_alias_and_load_by_every_uri(client: driftloop.Client, churn: Data) -> None:
    frame, target = churn
    with driftloop.start_run():
        first = driftloop.log_model(_train(churn), "model", training_data=frame, target=target)
    with driftloop.start_run():
        second = driftloop.log_model(
            LogisticRegression(C=0.01, max_iter=500).fit(frame, target),
            "model",
            training_data=frame,
            registered_model_name="churn",
        )
    v1 = driftloop.register_model(first.model_uri, "churn")
    assert second.registered_version is not None
    assert (second.registered_version.version, v1.version) == (1, 2)
    assert v1.run_id == first.run_id
    client.set_alias("churn", "champion", 2)
    client.set_alias("churn", "challenger", 1)
    assert client.get_version_by_alias("churn", "champion").run_id == first.run_id
    expected = driftloop.load_model(first.model_uri).predict(frame)
    for uri in ("models:/churn@champion", "models:/churn/2", "models:/churn/latest"):
        np.testing.assert_array_equal(driftloop.load_model(uri).predict(frame), expected)
    client.set_alias("churn", "champion", 1)  # promote: the alias moves atomically
    events = client.list_registry_events("churn").items
    moves = [
        e for e in events if e.event_type is RegistryEventType.ALIAS_SET and e.alias == "champion"
    ]
    assert [(e.from_version, e.to_version) for e in moves] == [(None, 2), (2, 1)]
    assert {e.actor for e in events} == {"alice"}
    created = [e.version for e in events if e.event_type is RegistryEventType.MODEL_VERSION_CREATED]
    assert created == [1, 2]


def test_lineage_reaches_params_metrics_and_data(client: driftloop.Client, churn: Data) -> None:
    frame, _ = churn
    with driftloop.start_run() as run:
        driftloop.log_params({"C": 1.0, "max_iter": 500})
        driftloop.log_metric("auc", 0.91)
        driftloop.log_model(
            _train(churn), "model", training_data=frame, registered_model_name="churn"
        )
    lineage = model_lineage(client, "churn", 1)
    assert lineage.run is not None
    assert lineage.run.info.run_id == run.run_id
    assert lineage.params == {"C": "1.0", "max_iter": "500"}
    assert lineage.metrics == {"auc": 0.91}
    (dataset,) = lineage.datasets
    assert dataset.context == "training"
    assert len(dataset.digest) >= 8


def test_registry_errors_are_clear(client: driftloop.Client, churn: Data) -> None:
    with driftloop.start_run() as run:
        driftloop.log_param("x", 1)
    with pytest.raises(ModelFormatError, match="holds no model"):
        driftloop.register_model(f"runs:/{run.run_id}/model", "churn")
    with pytest.raises(RegisteredModelNotFoundError, match="nope"):
        driftloop.load_model("models:/nope/1")
    frame, _ = churn
    with driftloop.start_run():
        driftloop.log_model(
            _train(churn), "model", training_data=frame, registered_model_name="churn"
        )
    with pytest.raises(AliasNotFoundError, match="champion"):
        driftloop.load_model("models:/churn@champion")
    with pytest.raises(ModelVersionNotFoundError, match="7"):
        driftloop.load_model("models:/churn/7")
    with pytest.raises(InvalidParameterError, match="positive integer"):
        client.set_alias("churn", "champion", "one")


def test_tampered_model_is_refused(client: driftloop.Client, churn: Data, tmp_path: Path) -> None:
    frame, target = churn
    saved = save_model(_train(churn), tmp_path / "m", training_data=frame, target=target)
    (saved.path / "signature.json").write_text('{"inputs": []}')
    with pytest.raises(ModelFormatError, match="does not match its digest"):
        driftloop.load_model(saved.path)


def test_pyfunc_needs_trust(client: driftloop.Client, churn: Data) -> None:
    frame, _ = churn
    with driftloop.start_run():
        info = driftloop.log_model(Doubler(), "doubler", input_example=frame.head())
    with pytest.raises(UntrustedModelError, match="trusted=True"):
        driftloop.load_model(info.model_uri)
    model = driftloop.load_model(info.model_uri, trusted=True)
    np.testing.assert_allclose(model.predict(frame), frame.to_numpy().sum(axis=1) * 2)


def test_save_model_leaves_nothing_behind_on_error(churn: Data, tmp_path: Path) -> None:
    frame, target = churn
    with pytest.raises(InvalidParameterError, match="target has 3 rows") as raised:
        save_model(_train(churn), tmp_path / "m", training_data=frame, target=target.head(3))
    assert raised.value.field == "target"
    assert list(tmp_path.iterdir()) == []
    save_model(_train(churn), tmp_path / "m", training_data=frame)
    with pytest.raises(InvalidParameterError, match="already exists"):
        save_model(_train(churn), tmp_path / "m")


def test_load_local_directory_and_file_uri(churn: Data, tmp_path: Path) -> None:
    frame, target = churn
    estimator = _train(churn)
    saved = save_model(estimator, tmp_path / "m", training_data=frame, target=target)
    for uri in (saved.path, str(saved.path), saved.path.as_uri()):
        model = driftloop.load_model(uri)
        np.testing.assert_array_equal(model.predict(frame), estimator.predict(frame))
    assert model.metadata.format == "driftloop"


def test_training_data_is_recorded_once(client: driftloop.Client, churn: Data) -> None:
    frame, target = churn
    with driftloop.start_run() as run:
        driftloop.log_input(frame, context="training", name="churn-train")
        driftloop.log_model(_train(churn), "model", training_data=frame, target=target)
        driftloop.log_model(_train(churn), "model-b", training_data=frame.head(100))
    names = sorted(i.dataset.name for i in client.get_run(run.run_id).inputs.dataset_inputs)
    assert names == ["churn-train", "model-b-training"]
