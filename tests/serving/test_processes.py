"""``driftloop serve`` as a real process: several workers, SIGTERM drains the log, S3."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from tests.contract.s3_server import S3Server, require_rclone, run_s3_server
from tests.serving.conftest import Registry
from tests.serving.load import closed_loop
from tests.serving.models import FEATURES

from driftloop.monitoring.inference_log import read_inference_log
from driftloop.testing.live_server import free_port


def _one_row(number: int) -> dict[str, object]:
    rng = np.random.default_rng(number)
    return {"dataframe_split": {"columns": FEATURES, "data": [rng.normal(size=4).tolist()]}}


def _start(
    registry: Registry, log_uri: str, workers: int, env: dict[str, str], stderr: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with stderr.open("wb") as sink:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "driftloop"),
                "--tracking-uri",
                registry.tracking_uri,
                "serve",
                "models:/clf@champion",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--inference-log",
                log_uri,
                "--log-flush-seconds",
                "60",
            ],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(stderr.read_text())
        try:
            if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"driftloop serve did not become ready:\n{stderr.read_text()}")


def _wait_for_workers(url: str, count: int, process: subprocess.Popen[bytes]) -> None:
    """Until ``count`` worker processes answer (``/ready`` answers once the first one does;
    on a loaded machine the others may still be loading the model)."""
    pids: set[int] = set()
    deadline = time.monotonic() + 120
    while len(pids) < count and time.monotonic() < deadline:
        assert process.poll() is None, "driftloop serve exited"
        # A new connection each time: any worker may answer.
        with httpx.Client() as fresh, contextlib.suppress(httpx.HTTPError):
            pids.add(fresh.get(f"{url}/version", timeout=5).json()["pid"])
        if len(pids) < count:
            time.sleep(0.05)
    assert len(pids) == count, f"only workers {sorted(pids)} answered"


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        # uvicorn re-raises the signal after its graceful shutdown: -SIGTERM is a clean exit.
        assert process.wait(timeout=60) in {0, -signal.SIGTERM}
    finally:
        if process.poll() is None:
            process.kill()


def _check_complete(root: str, responses: list[dict[str, object]], workers: int) -> None:
    table = read_inference_log(root, "clf.champion", with_feedback=False)
    ids = Counter(table.column("request_id").to_pylist())
    assert ids == Counter(str(r["request_id"]) for r in responses)
    assert set(ids.values()) == {1}


def test_two_workers_and_sigterm_drain(registry: Registry, tmp_path: Path) -> None:
    root = str(tmp_path / "log")
    process, url = _start(registry, root, workers=2, env={}, stderr=tmp_path / "stderr")
    try:
        _wait_for_workers(url, 2, process)
        result = asyncio.run(
            closed_loop(f"{url}/v1/predict", _one_row, concurrency=8, requests=400)
        )
        # Sequential keep-alive requests: no Nagle/delayed-ACK stall (~40 ms each) because
        # the shared listening socket is TCP, so every worker's connections are no-delay.
        latencies = []
        with httpx.Client() as http:
            for number in range(30):
                started = time.perf_counter()
                response = http.post(f"{url}/v1/predict", json=_one_row(number))
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200
                result.responses.append(response.json())
        pids = set()
        for number in range(60):
            with httpx.Client() as fresh:  # a new connection each time: any worker answers
                pids.add(fresh.get(f"{url}/version").json()["pid"])
                response = fresh.post(f"{url}/v1/predict", json=_one_row(number))
                assert response.status_code == 200
                result.responses.append(response.json())
        metrics = httpx.get(f"{url}/metrics").text
    finally:
        _stop(process)
    assert result.failures == []
    assert sorted(latencies)[len(latencies) // 2] < 0.02
    assert len(pids) == 2
    assert "driftloop_serving_requests_total" in metrics
    # Flush interval 60 s: every record reached disk because SIGTERM drained the queues.
    _check_complete(root, result.responses, workers=2)
    files = list(Path(root).rglob("*.parquet"))
    assert len({path.name.rsplit("-", 2)[0] for path in files}) == 2  # one writer per worker


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[S3Server]:
    with run_s3_server(require_rclone(), tmp_path / "s3", bucket="logs") as server:
        yield server


def test_inference_log_on_s3(registry: Registry, s3: S3Server, tmp_path: Path) -> None:
    env = {"AWS_ACCESS_KEY_ID": s3.access_key, "AWS_SECRET_ACCESS_KEY": s3.secret_key}
    root = f"s3://{s3.bucket}/inference?endpoint_url={s3.endpoint_url}"
    process, url = _start(registry, root, workers=1, env=env, stderr=tmp_path / "stderr")
    try:
        result = asyncio.run(
            closed_loop(f"{url}/v1/predict", _one_row, concurrency=8, requests=300)
        )
    finally:
        _stop(process)
    assert result.failures == []
    for key, value in env.items():
        os.environ[key] = value
    try:
        _check_complete(root, result.responses, workers=1)
    finally:
        for key in env:
            os.environ.pop(key, None)
