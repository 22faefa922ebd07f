"""MLflow's registry routes over HTTP: visibility (a caller sees only the models it may see)
and the principal recorded in events."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from tests.server.mlflow.registry.support import API, create_model, create_version, error, ok

from driftloop.server.app import create_app
from driftloop.server.config import ServerConfig
from driftloop.server.routing import Call, Endpoint
from driftloop.store.sql import open_sql_stores
from driftloop.testing.live_server import free_port


class OnlySees:
    """An authorizer that lets every call through but shows only some models."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    async def authorize(self, call: Call, endpoint: Endpoint) -> str | None:  # noqa: ARG002
        return "alice"

    def visible_experiment_ids(self, call: Call) -> frozenset[str] | None:  # noqa: ARG002
        return None

    def visible_model_names(self, call: Call) -> frozenset[str] | None:  # noqa: ARG002
        return self.names


@pytest.fixture
def limited_app(tmp_path: Path) -> Starlette:
    config = ServerConfig(
        backend_store_uri=f"sqlite:///{tmp_path / 'limited.db'}",
        artifacts_destination=str(tmp_path / "artifacts"),
    )
    return create_app(config)


@pytest.fixture
def limited(limited_app: Starlette) -> Iterator[httpx.Client]:
    """A live server whose caller sees only 'mine' and "o'brien" (a quote in a name)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(limited_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for name in ["mine", "secret", "o'brien"]:
                create_model(client, name)
                create_version(client, name, source="models:/m-1")
            limited_app.state.driftloop.authorizer = OnlySees(frozenset({"mine", "o'brien"}))
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_searches_show_only_visible_models(limited: httpx.Client) -> None:
    models = ok(limited.get(API + "/registered-models/search"))["registered_models"]
    versions = ok(limited.get(API + "/model-versions/search"))["model_versions"]
    filtered = ok(
        limited.get(API + "/registered-models/search", params={"filter": "name = 'secret'"})
    )
    hidden = limited.post(API + "/registered-models/get-latest-versions", json={"name": "secret"})

    assert sorted(m["name"] for m in models) == ["mine", "o'brien"]
    assert sorted(v["name"] for v in versions) == ["mine", "o'brien"]
    assert filtered["registered_models"] == []
    error(hidden, 404, "RESOURCE_DOES_NOT_EXIST")
    assert "secret" not in hidden.text or "not found" in hidden.text


def test_caller_seeing_nothing_gets_nothing(limited: httpx.Client, limited_app: Starlette) -> None:
    limited_app.state.driftloop.authorizer = OnlySees(frozenset())

    models = ok(limited.get(API + "/registered-models/search"))["registered_models"]
    versions = ok(limited.get(API + "/model-versions/search"))["model_versions"]

    assert models == []
    assert versions == []


def test_events_record_the_principal(limited: httpx.Client, tmp_path: Path) -> None:
    ok(limited.post(API + "/registered-models/create", json={"name": "by-alice"}))
    stores = open_sql_stores(f"sqlite:///{tmp_path / 'limited.db'}", str(tmp_path / "artifacts"))
    try:
        events = stores.events.list_events("by-alice")
    finally:
        stores.close()

    assert [event.actor for event in events] == ["alice"]
