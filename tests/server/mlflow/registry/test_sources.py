"""MLflow's registry routes over HTTP: source validation (what a model version may point at)
and download URIs."""

from __future__ import annotations

import httpx
import pytest
from tests.server.mlflow.registry.support import (
    RUN_ID,
    create_model,
    create_version,
    error,
    get,
    ok,
    post,
)

from driftloop.server.config import ServerConfig
from driftloop.store.sql import open_sql_stores


def test_logged_model_source_reports_its_model_id(http: httpx.Client) -> None:
    create_model(http, "m")
    model_id = "m-" + "ab" * 16

    created = create_version(http, "m", source=f"models:/{model_id}", model_id=model_id)

    assert created["source"] == f"models:/{model_id}"
    assert created["model_id"] == model_id
    mismatch = post(
        http,
        "/model-versions/create",
        {"name": "m", "source": f"models:/{model_id}", "model_id": "m-00"},
    )
    error(mismatch, 400, "INVALID_PARAMETER_VALUE")


REFUSED_SOURCES = [
    "/etc/passwd",
    "file:///etc/passwd",
    "file:/etc/passwd",
    "mlflow-artifacts:/../x",
    "mlflow-artifacts:/%2e%2e/x",
    "mlflow-artifacts:/a%252e%252e/..",
    "mlflow-artifacts:/a/%252e%252e/%252e%252e/etc",
    "mlflow-artifacts:/a#/../b",
    "mlflow-artifacts:/a?x=/../../b",
    "mlflow-artifacts:/a\\..\\..\\b",
    "mlflow-artifacts://evil.example/x",
    "mlflow-artifacts:/a//b",
    "mlflow-artifacts:/",
    "mlflow-artifacts:x",
    "C:\\x",
    "C:/Windows/win.ini",
    "//proc/self/root",
    "/proc/self/environ",
    "../../etc/passwd",
    "relative/path",
    "~/.ssh/id_rsa",
    "s3://someone-elses-bucket/model",
    "http://169.254.169.254/latest/meta-data",
    "dbfs:/x",
    "runs:/../../x",
    f"runs:/{RUN_ID}/../../etc",
    f"runs:/{RUN_ID}/a#/../../b",
    "models:/other-model/1",
    "models:/m-abc/../../x",
]


@pytest.mark.parametrize("source", REFUSED_SOURCES)
def test_sources_outside_the_artifact_store_are_refused(http: httpx.Client, source: str) -> None:
    create_model(http, "m")

    response = post(http, "/model-versions/create", {"name": "m", "source": source})

    assert "source" in error(response, 400, "INVALID_PARAMETER_VALUE")
    versions = ok(get(http, "/model-versions/search"))["model_versions"]
    assert versions == []


def test_sources_under_the_destination_are_answered_as_mlflow_artifacts(
    http: httpx.Client, server_config: ServerConfig
) -> None:
    create_model(http, "m")
    destination = server_config.artifacts_destination

    created = create_version(http, "m", source=f"{destination}/3/abc/artifacts/model")
    escaped = post(http, "/model-versions/create", {"name": "m", "source": f"{destination}/../x"})

    assert created["source"] == "mlflow-artifacts:/3/abc/artifacts/model"
    error(escaped, 400, "INVALID_PARAMETER_VALUE")
    uri = ok(get(http, "/model-versions/get-download-uri", name="m", version="1"))
    assert uri == {"artifact_uri": "mlflow-artifacts:/3/abc/artifacts/model"}


def test_mlflow_artifacts_source_is_stored_under_the_destination(
    http: httpx.Client, server_config: ServerConfig
) -> None:
    create_model(http, "m")
    create_version(http, "m", source="mlflow-artifacts:/1/r/artifacts/model")
    stores = open_sql_stores(server_config.backend_store_uri, server_config.artifacts_destination)
    try:
        stored = stores.model_versions.get_model_version("m", 1).source
    finally:
        stores.close()

    assert stored == f"{server_config.artifacts_destination}/1/r/artifacts/model"


def test_download_uri_of_a_runs_source_is_the_runs_artifact_location(
    http: httpx.Client, server_config: ServerConfig
) -> None:
    stores = open_sql_stores(server_config.backend_store_uri, server_config.artifacts_destination)
    try:
        run = stores.runs.create_run("0")
    finally:
        stores.close()
    run_id = run.info.run_id
    create_model(http, "m")
    created = create_version(http, "m", source=f"runs:/{run_id}/model", run_id=run_id)

    uri = ok(get(http, "/model-versions/get-download-uri", name="m", version="1"))

    assert created["source"] == f"runs:/{run_id}/model"
    assert uri == {"artifact_uri": f"mlflow-artifacts:/0/{run_id}/artifacts/model"}
