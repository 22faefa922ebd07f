"""Failed requests per model version, over real HTTP: the log's failures, the counters, and
the rollout's error rate (a broken challenger in canary is rolled back; shadow failures count).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.serving.conftest import Registry
from tests.serving.models import FAILING_F3, FEATURES, FailingModel, logistic, training_frame

from driftloop.ct.live import challenger_error_rate, live_comparison
from driftloop.ct.policy import RolloutSpec
from driftloop.ct.rollout import RolloutAction, decide_rollout
from driftloop.entities import DeploymentMode
from driftloop.entities.ct import CtPhase
from driftloop.monitoring.inference_log import read_failures
from driftloop.serving.routing import routing_fraction

Serve = Callable[..., AbstractContextManager[str]]
FRACTION = 0.5
P = "driftloop_serving_"


@pytest.fixture
def broken(registry: Registry, fresh_model: Callable[[], str]) -> tuple[str, int]:
    """A model with healthy v1 (champion) and v2, and v3 a :class:`FailingModel`."""
    name = fresh_model()
    return name, registry.log(FailingModel(), name)


def _rows(count: int, *, failing: bool, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(count, len(FEATURES)))
    if failing:
        rows[:, 3] = FAILING_F3
    return rows


def _send(url: str, rows: np.ndarray, keys: list[str]) -> list[httpx.Response]:
    with httpx.Client(timeout=30) as http:
        return [
            http.post(
                f"{url}/v1/predict",
                json={"dataframe_split": {"columns": FEATURES, "data": [row.tolist()]}},
                headers={"x-routing-key": key},
            )
            for row, key in zip(rows, keys, strict=True)
        ]


def _wait_for_challenger(url: str, version: int) -> None:
    deadline = time.monotonic() + 15
    while httpx.get(f"{url}/version").json().get("challenger_version") != version:
        assert time.monotonic() < deadline, "the challenger was not loaded"
        time.sleep(0.05)


def _now_ms_between() -> int:
    """A millisecond no request is stamped with: every earlier request is before it."""
    time.sleep(0.005)
    now = int(time.time() * 1000)
    time.sleep(0.005)
    return now


def _sample(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def _keys(prefix: str, count: int) -> tuple[list[str], list[bool]]:
    keys = [f"{prefix}-{i}" for i in range(count)]
    return keys, [routing_fraction(key) < FRACTION for key in keys]


@pytest.fixture
def log_root(tmp_path: Path) -> str:
    """Where the ``serve`` fixture writes the inference log."""
    return str(tmp_path / "inference-log")


def test_a_challenger_failing_every_canary_request_is_rolled_back(
    serve: Serve, registry: Registry, broken: tuple[str, int], log_root: str
) -> None:
    name, version = broken
    deployment = f"{name}-canary-errors"
    registry.client.create_deployment(deployment, name)
    registry.client.update_deployment(
        deployment,
        challenger_version=version,
        mode=DeploymentMode.CANARY,
        canary_fraction=FRACTION,
    )
    before_keys, before_routes = _keys("before", 12)
    keys, to_challenger = _keys("phase", 40)
    with serve(deployment, trusted=True) as url:
        _wait_for_challenger(url, version)
        before = _send(url, _rows(12, failing=True, seed=1), before_keys)
        since = _now_ms_between()
        answers = _send(url, _rows(40, failing=True, seed=2), keys)
        metrics = httpx.get(f"{url}/metrics").text
    # The caller sees the challenger's failures as 500s, the champion's answers as 200s.
    for responses, routes in ((before, before_routes), (answers, to_challenger)):
        assert [r.status_code for r in responses] == [500 if c else 200 for c in routes]
    failed, answered = sum(to_challenger), 40 - sum(to_challenger)
    failed_before = sum(before_routes)
    assert failed > 5
    assert answered > 5
    assert failed_before > 0

    comparison = live_comparison(
        log_root,
        deployment,
        since_ms=since,
        metric="accuracy",
        champion_version=1,
        challenger_version=version,
    )
    challenger, champion = comparison.challenger, comparison.champion
    assert (challenger.requests, challenger.failed, challenger.rejected) == (0, failed, 0)
    assert challenger.error_rate == 1.0
    assert challenger.p99_ms is None
    assert (champion.requests, champion.failed, champion.error_rate) == (answered, 0, 0.0)
    # Failures before the phase began are not counted; from the start of time they are.
    everything = live_comparison(
        log_root,
        deployment,
        since_ms=0,
        metric="accuracy",
        champion_version=1,
        challenger_version=version,
    )
    assert everything.challenger.failed == failed + failed_before

    spec = RolloutSpec.model_validate(
        {
            "shadow": {"requests": 0},
            "canary": {"steps": [FRACTION, 1.0], "hold": {"requests": 100}},
            "rollback": {"max_error_rate": 0.05, "min_samples": 5},
        }
    )
    decision = decide_rollout(
        spec,
        phase=CtPhase.CANARY,
        canary_step=0,
        phase_started_ms=since,
        now_ms=since + 60_000,
        live=comparison,
        rollback_higher_is_better=True,
    )
    assert decision.action is RolloutAction.ROLLBACK
    assert f"challenger error rate 1 ({failed} of {failed} requests failed or refused)" in (
        decision.reason
    )
    assert decision.evidence["challenger"]["error_rate"] == 1.0
    assert decision.evidence["champion"]["error_rate"] == 0.0

    # The log's records and the server's counters, per version and route.
    failures = read_failures(log_root, deployment, start=since).to_pylist()
    assert len(failures) == failed
    assert {(f["route"], f["model_version"]) for f in failures} == {("challenger", version)}
    assert {(f["error_type"], f["error_code"], f["status"]) for f in failures} == {
        ("RuntimeError", "INTERNAL_ERROR", 500)
    }
    labels = {"model_version": str(version), "route": "challenger"}
    total = failed + failed_before
    assert _sample(metrics, f"{P}model_requests_total", outcome="failed", **labels) == total
    assert _sample(metrics, f"{P}model_requests_total", outcome="ok", **labels) == 0
    ok_champion = _sample(
        metrics, f"{P}model_requests_total", model_version="1", route="champion", outcome="ok"
    )
    assert ok_champion == answered + 12 - failed_before
    assert challenger_error_rate(metrics, version) == 1.0


def test_shadow_failures_and_refusals_count_for_the_challenger(
    serve: Serve, registry: Registry, broken: tuple[str, int], log_root: str
) -> None:
    name, version = broken
    # v4 wants a fifth column: it refuses every four-column request (a 4xx of its own).
    frame, target = training_frame()
    frame["f4"] = 1.0
    refusing = registry.log(logistic().fit(frame, target), name, frame=frame)
    deployment = f"{name}-shadow-errors"
    registry.client.create_deployment(deployment, name)
    registry.client.update_deployment(
        deployment, challenger_version=version, mode=DeploymentMode.SHADOW
    )
    mixed = np.vstack([_rows(10, failing=True, seed=3), _rows(14, failing=False, seed=4)])
    with serve(deployment, trusted=True) as url:
        _wait_for_challenger(url, version)
        since = _now_ms_between()
        answers = _send(url, mixed, [f"s-{i}" for i in range(24)])
        registry.client.update_deployment(deployment, challenger_version=refusing)
        _wait_for_challenger(url, refusing)
        refused_since = _now_ms_between()
        refused = _send(url, _rows(6, failing=False, seed=5), [f"r-{i}" for i in range(6)])
        metrics = httpx.get(f"{url}/metrics").text
    # Callers only ever see the champion.
    assert {r.status_code for r in answers + refused} == {200}

    def compare(since_ms: int, challenger_version: int) -> tuple[float | None, ...]:
        live = live_comparison(
            log_root,
            deployment,
            since_ms=since_ms,
            metric="accuracy",
            champion_version=1,
            challenger_version=challenger_version,
        )
        c = live.challenger
        return c.requests, c.failed, c.rejected, c.error_rate, live.champion.error_rate

    assert compare(since, version) == (14, 10, 0, pytest.approx(10 / 24), 0.0)
    # The refusing version's own window: every copy refused (SIGNATURE_MISMATCH, 400).
    assert compare(refused_since, refusing) == (0, 0, 6, 1.0, 0.0)
    refusals = read_failures(log_root, deployment, start=refused_since, routes={"shadow"})
    assert set(refusals.column("error_code").to_pylist()) == {"SIGNATURE_MISMATCH"}
    assert set(refusals.column("status").to_pylist()) == {400}
    # The existing version-less shadow counter still counts both kinds.
    assert _sample(metrics, f"{P}shadow_failures_total", error_type="RuntimeError") == 10
    assert _sample(metrics, f"{P}shadow_failures_total", error_type="SignatureError") == 6
    shadow = {"model_version": str(refusing), "route": "shadow"}
    assert _sample(metrics, f"{P}model_requests_total", outcome="rejected", **shadow) == 6
