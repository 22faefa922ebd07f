"""Hot swap under load, canary split, shadow isolation and micro-batching over real HTTP."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx
import numpy as np
import pytest
from tests.serving.conftest import Registry
from tests.serving.load import closed_loop
from tests.serving.models import FEATURES, SleepyModel, logistic, training_frame

from driftloop.entities import DeploymentMode
from driftloop.models.loading import load_model_uri
from driftloop.monitoring.inference_log import read_inference_log
from driftloop.serving.routing import Route, choose_route

Serve = Callable[..., AbstractContextManager[str]]


def _one_row(number: int) -> dict[str, object]:
    rng = np.random.default_rng(number)
    return {"dataframe_split": {"columns": FEATURES, "data": [rng.normal(size=4).tolist()]}}


def test_hot_swap_under_load_drops_nothing(
    serve: Serve, registry: Registry, fresh_model: Callable[[], str]
) -> None:
    name = fresh_model()
    with serve(f"models:/{name}@champion") as url:

        def move_alias() -> None:
            time.sleep(0.5)
            registry.client.set_alias(name, "champion", 2)
            time.sleep(2.0)

        result = asyncio.run(
            closed_loop(
                f"{url}/v1/predict", _one_row, concurrency=8, seconds=4.0, during=move_alias
            )
        )
    assert result.failures == []
    versions = [response["model_version"] for response in result.responses]
    assert set(versions) == {"1", "2"}
    # Once v2 answered, nothing later in completion order went back to v1 for long: the
    # last quarter of responses are all v2.
    tail = versions[-len(versions) // 4 :]
    assert set(tail) == {"2"}
    for response in result.responses:
        assert response["header_version"] == response["model_version"]


def test_canary_split_follows_the_routing_key(
    serve: Serve, registry: Registry, fresh_model: Callable[[], str]
) -> None:
    name = fresh_model()
    deployment = f"{name}-canary"
    registry.client.create_deployment(deployment, name)
    registry.client.update_deployment(
        deployment, challenger_version=2, mode=DeploymentMode.CANARY, canary_fraction=0.25
    )
    keys = [f"customer-{i}" for i in range(1500)]
    with serve(deployment) as url:

        def body(number: int) -> dict[str, object]:
            return {**_one_row(number), "routing_key": keys[number]}

        result = asyncio.run(
            closed_loop(f"{url}/v1/predict", body, concurrency=16, requests=len(keys))
        )
    assert result.failures == []
    assert len(result.responses) == len(keys)
    for response in result.responses:
        key = keys[response["number"]]
        expected = choose_route(key, DeploymentMode.CANARY, 0.25, True)
        assert response["route"] == expected.value
        assert response["model_version"] == ("2" if expected is Route.CHALLENGER else "1")
    share = sum(r["route"] == "challenger" for r in result.responses) / len(keys)
    assert abs(share - 0.25) < 0.04


@pytest.mark.parametrize("challenger_kind", ["sleeps", "raises"])
def test_shadow_challenger_never_touches_callers(
    serve: Serve, registry: Registry, fresh_model: Callable[[], str], challenger_kind: str
) -> None:
    name = fresh_model()
    if challenger_kind == "sleeps":
        version = registry.log(SleepyModel(0.25), name)
    else:
        # Trained on five columns: every four-column request fails its signature.
        frame, target = training_frame()
        frame["f4"] = 1.0
        version = registry.log(logistic().fit(frame, target), name, frame=frame)
    deployment = f"{name}-shadow"
    registry.client.create_deployment(deployment, name)
    with serve(deployment, trusted=True) as url:
        baseline = asyncio.run(
            closed_loop(f"{url}/v1/predict", _one_row, concurrency=4, requests=200)
        )
        registry.client.update_deployment(
            deployment, challenger_version=version, mode=DeploymentMode.SHADOW
        )
        _wait_for(url, lambda v: v.get("challenger_version") == version)
        shadowed = asyncio.run(
            closed_loop(f"{url}/v1/predict", _one_row, concurrency=4, requests=200)
        )
        metrics = httpx.get(f"{url}/metrics").text
    assert baseline.failures == []
    assert shadowed.failures == []
    assert {r["route"] for r in shadowed.responses} == {"champion"}
    assert {r["model_version"] for r in shadowed.responses} == {"1"}
    # A 250 ms challenger (or a failing one) adds nothing a caller can see: were its time on
    # the request path, every latency would be above 250 ms.
    assert statistics.median(shadowed.latencies) < statistics.median(baseline.latencies) + 0.05
    assert _p90(shadowed.latencies) < _p90(baseline.latencies) + 0.1
    if challenger_kind == "raises":
        assert "driftloop_serving_shadow_failures_total" in metrics


def test_micro_batching_gives_each_caller_its_own_rows(serve: Serve, registry: Registry) -> None:
    model = load_model_uri(registry.client, "models:/clf/1", trusted=False)
    rows = np.random.default_rng(3).normal(size=(300, 4)) * 3
    expected = np.asarray(model.predict_proba(_frame(rows)))[:, 1]

    def body(number: int) -> dict[str, object]:
        return {"dataframe_split": {"columns": FEATURES, "data": [rows[number].tolist()]}}

    with serve("models:/clf@champion", max_batch_size=64, max_wait_ms=5) as url:
        result = asyncio.run(
            closed_loop(f"{url}/v1/predict", body, concurrency=64, requests=len(rows))
        )
        metrics = httpx.get(f"{url}/metrics").text
    assert result.failures == []
    assert len(result.responses) == len(rows)
    for response in result.responses:
        got = response["predictions"][0]["probabilities"]
        p1 = got.get("1", got.get(1))  # type: ignore[union-attr]
        assert p1 == pytest.approx(expected[response["number"]], rel=1e-9)
    # Some model calls held more than one request.
    assert _batched_calls(metrics) > 0


def test_inference_log_has_every_request_once(
    serve: Serve, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("log")
    with serve("models:/clf@champion", inference_log_uri=str(root), log_flush_seconds=60) as url:
        result = asyncio.run(
            closed_loop(f"{url}/v1/predict", _one_row, concurrency=8, requests=400)
        )
    # Leaving the block shut the app down: the writer drained its queue (nothing flushed
    # by time, the flush interval is 60 s).
    assert result.failures == []
    table = read_inference_log(str(root), "clf.champion", with_feedback=False)
    ids = table.column("request_id").to_pylist()
    assert Counter(ids) == Counter(r["request_id"] for r in result.responses)
    assert set(table.column("model_version").to_pylist()) == {1}
    assert set(table.column("route").to_pylist()) == {"champion"}


def _p90(values: list[float]) -> float:
    return float(np.percentile(values, 90))


def _frame(rows: np.ndarray) -> object:
    import pandas as pd

    return pd.DataFrame(rows, columns=FEATURES)


def _batched_calls(metrics: str) -> float:
    """Model calls that scored more than one row, from the batch-size histogram."""
    total = le1 = 0.0
    for line in metrics.splitlines():
        if line.startswith("driftloop_serving_batch_rows_count"):
            total += float(line.split()[-1])
        if line.startswith('driftloop_serving_batch_rows_bucket{le="1.0"}'):
            le1 += float(line.split()[-1])
    return total - le1


def _wait_for(url: str, check: Callable[[dict[str, object]], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check(httpx.get(f"{url}/version").json()):
            return
        time.sleep(0.05)
    raise AssertionError(f"the server did not reach the state: {httpx.get(f'{url}/version').text}")
