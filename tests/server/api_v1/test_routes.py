"""The native API end to end: summaries, artifact URIs, visibility, and a remote ``Client``."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

import driftloop
from driftloop.server.api_v1 import registry, tracking
from driftloop.server.app import create_app
from driftloop.server.config import ServerConfig
from driftloop.server.routing import Call, Endpoint
from driftloop.tracking import uri


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def test_every_native_route_has_a_summary_in_openapi(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    ours = {"/api/v1" + e.path for e in [*tracking.ENDPOINTS, *registry.ENDPOINTS]}
    native = {path: item for path, item in paths.items() if path in ours}
    assert len(native) == len(ours) >= 40
    for path, item in native.items():
        for method, operation in item.items():
            assert operation["summary"].endswith("."), (method, path)
            assert operation["x-driftloop-permission"] in {"read", "edit"}
            assert (method == "get") == (operation["x-driftloop-permission"] == "read")


def test_default_locations_are_shown_as_proxy_uris(http: httpx.Client) -> None:
    created = http.post("/api/v1/experiments/create", json={"name": _name("proxy")}).json()
    experiment = http.get("/api/v1/experiments/get", params=created).json()["experiment"]
    assert experiment["artifact_location"] == f"mlflow-artifacts:/{created['experiment_id']}"
    run = http.post("/api/v1/runs/create", json=created).json()["run"]
    assert run["info"]["artifact_uri"] == (
        f"mlflow-artifacts:/{created['experiment_id']}/{run['info']['run_id']}/artifacts"
    )


def test_explicit_locations_are_kept_and_proxy_locations_stored_below_the_destination(
    http: httpx.Client, v1_server: tuple[str, ServerConfig]
) -> None:
    s3 = f"s3://bucket/{_name('loc')}"
    created = http.post(
        "/api/v1/experiments/create", json={"name": _name("s3"), "artifact_location": s3}
    ).json()
    experiment = http.get("/api/v1/experiments/get", params=created).json()["experiment"]
    assert experiment["artifact_location"] == s3
    proxied = http.post(
        "/api/v1/experiments/create",
        json={"name": _name("px"), "artifact_location": "mlflow-artifacts:/custom/place"},
    ).json()
    stores = driftloop.tracking.uri.get_stores(v1_server[1].backend_store_uri)
    stored = stores.experiments.get_experiment(proxied["experiment_id"]).artifact_location
    assert stored == f"{v1_server[1].artifacts_destination}/custom/place"


def test_non_finite_metrics_travel_as_strings(http: httpx.Client) -> None:
    created = http.post("/api/v1/experiments/create", json={"name": _name("nan")}).json()
    run_id = http.post("/api/v1/runs/create", json=created).json()["run"]["info"]["run_id"]
    metrics = [
        {"key": "a", "value": "NaN", "timestamp": 1},
        {"key": "b", "value": "Infinity", "timestamp": 1},
        {"key": "c", "value": "-Infinity", "timestamp": 1},
    ]
    http.post("/api/v1/runs/log-batch", json={"run_id": run_id, "metrics": metrics})
    data = http.get("/api/v1/runs/get", params={"run_id": run_id}).json()["run"]["data"]
    values = {m["key"]: m["value"] for m in data["metrics"]}
    assert values == {"a": "NaN", "b": "Infinity", "c": "-Infinity"}


class _OnlyVisible:
    """An authorizer that lets everything through but shows one experiment and one model."""

    def __init__(self, experiment_id: str, model_name: str) -> None:
        self.experiment_id = experiment_id
        self.model_name = model_name

    async def authorize(self, call: Call, endpoint: Endpoint) -> str | None:  # noqa: ARG002
        return "viewer"

    def visible_experiment_ids(self, call: Call) -> frozenset[str] | None:  # noqa: ARG002
        return frozenset({self.experiment_id})

    def visible_model_names(self, call: Call) -> frozenset[str] | None:  # noqa: ARG002
        return frozenset({self.model_name})


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Starlette]:
    config = ServerConfig(
        backend_store_uri=f"sqlite:///{tmp_path / 's.db'}",
        artifacts_destination=str(tmp_path / "artifacts"),
    )
    application = create_app(config)
    try:
        yield application
    finally:
        application.state.driftloop.stores.close()


@pytest.mark.anyio
async def test_searches_show_only_what_the_caller_may_read(app: Starlette) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        seen, hidden = [
            (await client.post("/api/v1/experiments/create", json={"name": n})).json() for n in "ab"
        ]
        for created in (seen, hidden):
            await client.post("/api/v1/runs/create", json=created)
        for name in ("shown", "secret"):
            await client.post("/api/v1/registry/models/create", json={"name": name})
        app.state.driftloop.authorizer = _OnlyVisible(seen["experiment_id"], "shown")

        async def get(path: str, **params: object) -> Any:
            return (await client.get(path, params=params)).json()  # type: ignore[arg-type]

        experiments = (await get("/api/v1/experiments/search"))["experiments"]
        assert [e["experiment_id"] for e in experiments] == [seen["experiment_id"]]
        ids = [seen["experiment_id"], hidden["experiment_id"]]
        runs = (await get("/api/v1/runs/search", experiment_ids=ids))["runs"]
        assert {r["info"]["experiment_id"] for r in runs} == {seen["experiment_id"]}
        assert await get("/api/v1/experiments/get-by-name", name="b") == {"experiment": None}
        models = (await get("/api/v1/registry/models/search"))["registered_models"]
        assert [m["name"] for m in models] == ["shown"]
        events = (await get("/api/v1/registry/events"))["events"]
        assert {e["model_name"] for e in events} == {"shown"}
        created = await client.post(
            "/api/v1/registry/models/create", json={"name": "by-viewer", "actor": "spoofed"}
        )
        assert created.status_code == 200
    stores = app.state.driftloop.stores
    assert [e.actor for e in stores.events.list_events("by-viewer")] == ["viewer"]


@pytest.fixture
def remote(server_url: str) -> Iterator[driftloop.Client]:
    uri._reset_for_tests()
    driftloop.set_tracking_uri(server_url)
    try:
        yield driftloop.Client()
    finally:
        uri._reset_for_tests()


def test_client_over_http_tracks_registers_and_stores_artifacts(
    remote: driftloop.Client, tmp_path: Path
) -> None:
    experiment_id = remote.create_experiment(_name("remote"))
    run = remote.create_run(experiment_id)
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/")
    remote.log_metric(run.run_id, "loss", math.nan, step=1)
    remote.log_param(run.run_id, "alpha", "0.1")
    remote.log_text(run.run_id, "hello", "notes/readme.txt")
    fetched = remote.get_run(run.run_id)
    assert math.isnan(fetched.data.metrics["loss"])
    assert fetched.data.params == {"alpha": "0.1"}
    assert [f.path for f in remote.list_artifacts(run.run_id, "notes")] == ["notes/readme.txt"]
    copy = remote.download_artifacts(run.run_id, "notes", tmp_path / "dst")
    assert (copy / "readme.txt").read_text() == "hello"
    model = _name("model")
    remote.create_registered_model(model)
    version = remote.create_model_version(model, "s3://bucket/model", run_id=run.run_id)
    assert version.version == 1
