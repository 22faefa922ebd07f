"""The unmodified ``mlflow`` client against a live driftloop server (issue 4)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

mlflow = pytest.importorskip("mlflow")

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric, Param, RunTag  # noqa: E402

# mlflow's own warnings about the test's choices (no type hints, no signature); nothing of ours.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning"),
]


def test_tracking_round_trip(mlflow_tracking: str, tmp_path: Path) -> None:
    experiment_id = mlflow.create_experiment("e2e")
    assert mlflow.get_experiment_by_name("missing") is None
    experiment = mlflow.get_experiment(experiment_id)
    assert experiment.name == "e2e"
    assert experiment.artifact_location == f"mlflow-artifacts:/{experiment_id}"
    mlflow.set_experiment("e2e")
    client = MlflowClient()
    with mlflow.start_run(run_name="parent") as parent:
        mlflow.log_params({"lr": 0.1, "long": "x" * 7000})
        mlflow.log_metric("loss", 1.0, step=0)
        mlflow.log_metric("loss", 0.5, step=1)
        mlflow.log_metric("nan", math.nan)
        mlflow.set_tag("team", "a")
        client.log_batch(
            parent.info.run_id,
            metrics=[Metric("acc", 0.9, 1000, 2)],
            params=[Param("depth", "3")],
            tags=[RunTag("kind", "batch")],
        )
        for index in range(3):
            with mlflow.start_run(run_name=f"child-{index}", nested=True):
                mlflow.log_metric("score", float(index))
        (tmp_path / "notes.txt").write_text("hello")
        mlflow.log_artifact(str(tmp_path / "notes.txt"), artifact_path="docs")
        mlflow.log_dict({"a": 1}, "config.json")
    run = client.get_run(parent.info.run_id)
    assert run.info.status == "FINISHED"
    assert run.info.artifact_uri.startswith(f"mlflow-artifacts:/{experiment_id}/")
    assert run.data.params["lr"] == "0.1"
    assert run.data.params["long"] == "x" * 6000
    assert run.data.metrics["loss"] == 0.5
    assert math.isnan(run.data.metrics["nan"])
    assert run.data.metrics["acc"] == 0.9
    assert run.data.tags["team"] == "a"
    assert run.data.tags["kind"] == "batch"
    history = client.get_metric_history(parent.info.run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 1.0), (1, 0.5)]

    children = mlflow.search_runs(
        [experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
        order_by=["metrics.score DESC"],
        output_format="list",
    )
    assert [r.data.metrics["score"] for r in children] == [2.0, 1.0, 0.0]
    first = client.search_runs([experiment_id], "metrics.score >= 0", max_results=2)
    assert len(first) == 2
    assert first.token
    rest = client.search_runs([experiment_id], "metrics.score >= 0", page_token=first.token)
    assert len(rest) == 1

    listed = {f.path for f in client.list_artifacts(parent.info.run_id)}
    assert listed == {"config.json", "docs"}
    assert [f.path for f in client.list_artifacts(parent.info.run_id, "docs")] == ["docs/notes.txt"]
    local = mlflow.artifacts.download_artifacts(
        run_id=parent.info.run_id, artifact_path="docs/notes.txt", dst_path=str(tmp_path / "dl")
    )
    assert Path(local).read_text() == "hello"
    assert mlflow.artifacts.load_dict(f"{run.info.artifact_uri}/config.json") == {"a": 1}

    client.rename_experiment(experiment_id, "e2e-renamed")
    assert client.get_experiment_by_name("e2e-renamed") is not None
    found = client.search_experiments(filter_string="name = 'e2e-renamed'")
    assert [e.experiment_id for e in found] == [experiment_id]


def _train() -> tuple[object, np.ndarray]:
    from sklearn.linear_model import LinearRegression

    features = np.arange(20, dtype=float).reshape(10, 2)
    model = LinearRegression().fit(features, features.sum(axis=1))
    return model, features


def _log_model(model: object, features: np.ndarray) -> object:
    import mlflow.sklearn

    # cloudpickle: the skops format imports torch through sklearn (~13 s).
    return mlflow.sklearn.log_model(
        model,
        name="model",
        input_example=features[:2],
        pip_requirements=["scikit-learn"],
        serialization_format="cloudpickle",
    )


def test_log_model_through_logged_models(mlflow_tracking: str, tmp_path: Path) -> None:
    import mlflow.sklearn

    model, features = _train()
    mlflow.set_experiment("models")
    with mlflow.start_run() as run:
        info = _log_model(model, features)
    assert info.model_uri == f"models:/{info.model_id}"
    logged = mlflow.get_logged_model(info.model_id)
    assert logged.status == "READY" or str(logged.status).endswith("READY")
    assert logged.source_run_id == run.info.run_id
    assert logged.artifact_location.startswith("mlflow-artifacts:/")
    (tmp_path / "m").mkdir()
    loaded = mlflow.sklearn.load_model(info.model_uri, dst_path=str(tmp_path / "m"))
    np.testing.assert_allclose(loaded.predict(features), model.predict(features))


def test_register_alias_and_load(mlflow_tracking: str) -> None:
    model, features = _train()
    mlflow.set_experiment("registry")
    with mlflow.start_run():
        info = _log_model(model, features)
    version = mlflow.register_model(info.model_uri, "e2e-model")
    assert version.version == "1"
    client = MlflowClient()
    client.set_registered_model_alias("e2e-model", "champion", version.version)
    by_alias = client.get_model_version_by_alias("e2e-model", "champion")
    assert by_alias.version == "1"
    assert by_alias.source == info.model_uri
    loaded = mlflow.pyfunc.load_model("models:/e2e-model@champion")
    np.testing.assert_allclose(loaded.predict(features), model.predict(features))


def test_driftloop_sees_and_loads_what_the_mlflow_client_registered(
    mlflow_tracking: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import driftloop
    from driftloop.errors import UntrustedModelError
    from driftloop.tracking import uri

    model, features = _train()
    mlflow.set_experiment("cross")
    with mlflow.start_run():
        info = _log_model(model, features)
    version = mlflow.register_model(info.model_uri, "cross-model")
    MlflowClient().set_registered_model_alias("cross-model", "champion", version.version)

    monkeypatch.delenv("DRIFTLOOP_TRACKING_URI", raising=False)
    uri._reset_for_tests()
    driftloop.set_tracking_uri(mlflow_tracking)
    try:
        client = driftloop.Client()
        seen = client.get_version_by_alias("cross-model", "champion")
        assert (seen.version, seen.source) == (1, info.model_uri)
        # The mlflow client pickled the model (cloudpickle): driftloop refuses it untrusted.
        with pytest.raises(UntrustedModelError, match="trusted=True"):
            driftloop.load_model("models:/cross-model@champion")
        loaded = driftloop.load_model("models:/cross-model@champion", trusted=True)
        assert loaded.metadata.format == "mlflow"
        np.testing.assert_allclose(loaded.predict(features), model.predict(features))
    finally:
        uri._reset_for_tests()
