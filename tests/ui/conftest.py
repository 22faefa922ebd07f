"""The server application (with its UI) on SQLite, filled with a small experiment."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from starlette.applications import Starlette

from driftloop.entities import Dataset, DatasetInput, Metric, Param, RunStatus, RunTag
from driftloop.server.app import create_app
from driftloop.server.config import ServerConfig
from driftloop.server.state import ServerState

BASE_MS = 1_700_000_000_000
MANIFEST = {
    "format_version": 1,
    "driftloop_version": "0.1.0",
    "flavor": "sklearn",
    "loader": "driftloop.models.flavors.sklearn",
    "files": {"model/model.skops": "sha256:00"},
}
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f5e1d10000000049454e44ae426082"
)


@dataclass(frozen=True)
class Seeded:
    experiment_id: str
    other_experiment_id: str
    run_ids: list[str]
    """Runs of ``experiment_id``: run-0 .. run-4, run-0 with artifacts and history."""
    other_run_id: str


def ui_config(tmp_path: Path, *, auth: bool = False) -> ServerConfig:
    return ServerConfig(
        backend_store_uri=f"sqlite:///{tmp_path / 'ui.db'}",
        artifacts_destination=str(tmp_path / "artifacts"),
        auth=auth,
    )


def seed(state: ServerState) -> Seeded:
    stores = state.stores
    experiment_id = stores.experiments.create_experiment("churn")
    other = stores.experiments.create_experiment("secret-project")
    run_ids = []
    for index in range(5):
        run = stores.runs.create_run(
            experiment_id,
            start_time=BASE_MS + index * 1000,
            run_name=f"run-{index}",
            tags={"mlflow.source.git.commit": f"abc{index}", "mlflow.source.name": "train.py"},
        )
        stores.runs.log_batch(
            run.run_id,
            metrics=[Metric("acc", 0.5 + index / 10, BASE_MS + index, 0)],
            params=[Param("model", "gbm" if index % 2 else "rf"), Param("depth", str(index))],
            tags=[RunTag("team", "ads")],
        )
        stores.runs.update_run_info(run.run_id, status=RunStatus.FINISHED, end_time=BASE_MS + 9000)
        run_ids.append(run.run_id)
    first = run_ids[0]
    stores.runs.log_batch(
        first,
        metrics=[Metric("loss", 1.0 / (step + 1), BASE_MS + step * 10, step) for step in range(50)],
    )
    stores.runs.log_inputs(
        first,
        [
            DatasetInput(
                Dataset("train", "d1g3st", "local", '{"uri": "x"}', '{"cols": ["a"]}', ""),
                {"mlflow.data.context": "training"},
            )
        ],
    )
    root = f"{experiment_id}/{first}/artifacts"
    state.artifacts.log_bytes(json.dumps(MANIFEST).encode(), f"{root}/model/manifest.json")
    state.artifacts.log_bytes(b"scikit-learn==1.5\n", f"{root}/model/requirements.txt")
    state.artifacts.log_bytes(b"name: churn\nsteps: 3\n", f"{root}/config.yaml")
    state.artifacts.log_bytes(b'{"b": 1, "a": [1, 2]}', f"{root}/metrics.json")
    state.artifacts.log_bytes(PNG, f"{root}/plots/roc.png")
    state.artifacts.log_bytes(b"\x00\x01\x02binary", f"{root}/blob.bin")
    other_run = stores.runs.create_run(other, run_name="hidden-run")
    return Seeded(experiment_id, other, run_ids, other_run.run_id)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Starlette]:
    application = create_app(ui_config(tmp_path))
    try:
        yield application
    finally:
        application.state.driftloop.stores.close()


@pytest.fixture
def seeded(app: Starlette) -> Seeded:
    return seed(app.state.driftloop)


class AsgiClient:
    """A synchronous face on ``httpx.AsyncClient`` over the ASGI app.

    The event loop runs in its own thread (an anyio blocking portal), so the client also works
    in a process where another loop runs in the main thread (Playwright's sync API).
    """

    def __init__(self, app: Starlette) -> None:
        self._portal_cm = start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._portal.call(functools.partial(self._client.request, method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._client.cookies

    def close(self) -> None:
        self._portal.call(self._client.aclose)
        self._portal_cm.__exit__(None, None, None)


@pytest.fixture
def client(app: Starlette) -> Iterator[AsgiClient]:
    test_client = AsgiClient(app)
    try:
        yield test_client
    finally:
        test_client.close()


HTML = {"Accept": "text/html,application/xhtml+xml"}
