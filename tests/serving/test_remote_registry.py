"""Serving a deployment whose registry is a driftloop server reached over HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from tests.serving.conftest import Registry
from tests.serving.load import closed_loop
from tests.serving.models import FEATURES, logistic

from driftloop.entities import DeploymentMode
from driftloop.server.config import ServerConfig
from driftloop.serving import ServeConfig
from driftloop.serving.app import create_app
from driftloop.testing.live_server import live_app, live_server
from driftloop.tracking import Client


def test_serve_a_deployment_from_a_remote_registry(tmp_path: Path) -> None:
    config = ServerConfig(
        backend_store_uri=f"sqlite:///{tmp_path / 'server.db'}",
        artifacts_destination=str(tmp_path / "artifacts"),
        port=0,
    )
    with live_server(config) as server_url:
        remote = Registry(tmp_path, Client(server_url))
        remote.log(logistic(1.0), "remote-clf")
        remote.log(logistic(0.01), "remote-clf")
        remote.client.set_alias("remote-clf", "champion", 1)
        remote.client.create_deployment("remote-prod", "remote-clf")
        serve_config = ServeConfig(
            target="remote-prod",
            tracking_uri=server_url,
            inference_log_uri=str(tmp_path / "log"),
            port=0,
            poll_seconds=0.2,
        )
        with live_app(create_app(serve_config)) as url:
            body = {"dataframe_split": {"columns": FEATURES, "data": [[0.1, 0.2, 0.3, 0.4]]}}
            first = httpx.post(f"{url}/v1/predict", json=body)
            assert first.status_code == 200, first.text
            assert first.json()["model_version"] == "1"
            # A canary set through the platform server's REST API reaches the scorer.
            remote.client.update_deployment(
                "remote-prod",
                challenger_version=2,
                mode=DeploymentMode.CANARY,
                canary_fraction=0.5,
            )
            result = asyncio.run(
                closed_loop(
                    f"{url}/v1/predict",
                    lambda _n: body,
                    concurrency=4,
                    seconds=3.0,
                )
            )
        assert result.failures == []
        late = result.responses[len(result.responses) // 2 :]
        assert {r["model_version"] for r in late} == {"1", "2"}
