"""16 clients log batches to one server at once: no point lost, no lock or deadlock error.

Half the clients share one run and the same metric keys, so on PostgreSQL their
``latest_metrics`` upserts contend for the same rows; the other half log to runs of their own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from driftloop.server.config import ServerConfig
from driftloop.testing import postgres_base_url, require_postgres, temporary_postgres_database
from driftloop.testing.live_server import live_server

CLIENTS = 16
BATCHES = 8
POINTS = 250
KEYS = 10


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def concurrent_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    artifacts = str(tmp_path / "artifacts")
    if request.param == "sqlite":
        config = ServerConfig(f"sqlite:///{tmp_path / 'db.sqlite'}", artifacts, port=0)
        with live_server(config) as url:
            yield url
        return
    base_url = postgres_base_url()
    require_postgres(base_url)
    with (
        temporary_postgres_database(base_url, label="concurrency") as db_url,
        live_server(ServerConfig(db_url, artifacts, port=0)) as url,
    ):
        yield url


def _post(client: httpx.Client, route: str, body: dict[str, object]) -> dict[str, object]:
    response = client.post(f"/api/2.0/mlflow/{route}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_sixteen_clients_lose_no_point(concurrent_server: str) -> None:
    with httpx.Client(base_url=concurrent_server, timeout=60) as setup:
        experiment = _post(setup, "experiments/create", {"name": "concurrency"})["experiment_id"]

        def new_run() -> str:
            run = _post(setup, "runs/create", {"experiment_id": experiment})["run"]
            return str(run["info"]["run_id"])  # type: ignore[index]

        shared = new_run()
        runs = [shared if index % 2 == 0 else new_run() for index in range(CLIENTS)]
    errors: list[str] = []
    start = threading.Barrier(CLIENTS)

    def client_work(index: int) -> None:
        try:
            with httpx.Client(base_url=concurrent_server, timeout=60) as client:
                start.wait()
                for batch in range(BATCHES):
                    step0 = (index * BATCHES + batch) * POINTS
                    metrics = [
                        {
                            "key": f"k{(i + index) % KEYS}",
                            "value": float(i),
                            "timestamp": 1,
                            "step": step0 + i,
                        }
                        for i in range(POINTS)
                    ]
                    response = client.post(
                        "/api/2.0/mlflow/runs/log-batch",
                        json={"run_id": runs[index], "metrics": metrics},
                    )
                    if response.status_code != 200:
                        errors.append(f"client {index}: {response.status_code} {response.text}")
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(f"client {index}: {error!r}")

    threads = [threading.Thread(target=client_work, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    with httpx.Client(base_url=concurrent_server, timeout=60) as check:
        for run_id in set(runs):
            writers = runs.count(run_id)
            total = 0
            for key in range(KEYS):
                history = check.get(
                    "/api/2.0/mlflow/metrics/get-history",
                    params={"run_id": run_id, "metric_key": f"k{key}"},
                ).json()
                total += len(history.get("metrics", []))
            assert total == writers * BATCHES * POINTS, run_id
