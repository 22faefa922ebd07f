"""Live comparison from a real inference log (and a real scoring server writing it).

The logs are written with the real writer: champion rows, canary rows of the challenger
(several rows per request), shadow copies sharing the champion's request ids, rows before the
window and rows of another version; feedback labels join both a request's champion row and
its shadow copy. Every number is checked against scikit-learn / numpy on what was written.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
from tests.integration.ct.live_helpers import (
    FlakyModel,
    LogBuilder,
    WrittenLog,
    expected_classification,
    expected_p99,
    expected_regression,
)
from tests.serving.models import FEATURES, logistic, training_frame

from driftloop.ct.live import (
    LiveComparison,
    ServingMetricsUnavailableError,
    challenger_error_rate,
    live_comparison,
)
from driftloop.entities import DeploymentMode
from driftloop.errors import InvalidParameterError
from driftloop.monitoring.inference_log import read_failures, read_inference_log
from driftloop.serving import ServeConfig
from driftloop.serving.app import create_app
from driftloop.testing.live_server import live_app
from driftloop.tracking import Client

CHAMPION, CHALLENGER, OLD = 1, 2, 7
CHAMPION_ROUTES = ("champion",)
CHALLENGER_ROUTES = ("challenger", "shadow")


@dataclass(frozen=True, slots=True)
class Log:
    root: str
    name: str
    since_ms: int
    written: WrittenLog

    def compare(self, metric: str, **options: object) -> LiveComparison:
        return live_comparison(
            self.root,
            self.name,
            since_ms=self.since_ms,
            metric=metric,
            champion_version=CHAMPION,
            challenger_version=CHALLENGER,
            **options,  # type: ignore[arg-type]
        )


def _proba(rng: np.random.Generator) -> tuple[int, list[float]]:
    p = float(rng.uniform(0.02, 0.98))
    return int(p > 0.5), [1.0 - p, p]


@pytest.fixture(scope="module")
def classification_log(tmp_path_factory: pytest.TempPathFactory) -> Log:
    root = str(tmp_path_factory.mktemp("live-log"))
    builder = LogBuilder(root, "clf-live", seed=1)
    rng = np.random.default_rng(2)
    since = int(time.time() * 1000) - 600_000
    # Before the window: left out even though labelled.
    for offset in (1, 50, 5000):
        prediction, proba = _proba(rng)
        for route, version in (("champion", CHAMPION), ("challenger", CHALLENGER)):
            rid = builder.request(
                route=route,
                version=version,
                timestamp_ms=since - offset,
                predictions=[prediction],
                probabilities=[proba],
            )
            builder.label(rid, 0, 1 - prediction)
    # Champion answers; every other one also has a shadow copy scored by the challenger.
    for i in range(240):
        prediction, proba = _proba(rng)
        stamp = since + i * 500
        rid = builder.request(
            route="champion",
            version=CHAMPION,
            timestamp_ms=stamp,
            predictions=[prediction],
            probabilities=[proba],
        )
        if i % 2 == 0:
            shadow_prediction, shadow_proba = _proba(rng)
            builder.request(
                route="shadow",
                version=CHALLENGER,
                timestamp_ms=stamp,
                predictions=[shadow_prediction],
                probabilities=[shadow_proba],
                request_id=rid,
            )
        if i % 5 != 0:
            builder.label(rid, 0, int(rng.random() < proba[1]))
    # Canary answers of the challenger: two rows per request, some rows labelled.
    for i in range(70):
        rows = [_proba(rng) for _ in range(2)]
        rid = builder.request(
            route="challenger",
            version=CHALLENGER,
            timestamp_ms=since + 1000 + i * 700,
            predictions=[prediction for prediction, _ in rows],
            probabilities=[proba for _, proba in rows],
        )
        builder.label(rid, 0, int(rng.random() < rows[0][1][1]))
        if i % 3 == 0:
            builder.label(rid, 1, int(rng.random() < rows[1][1][1]))
    # Another version on the champion route (before a hot swap): not the champion's rows.
    for i in range(30):
        prediction, proba = _proba(rng)
        rid = builder.request(
            route="champion",
            version=OLD,
            timestamp_ms=since + i * 300,
            predictions=[prediction],
            probabilities=[proba],
        )
        builder.label(rid, 0, 1 - prediction)
    return Log(root, "clf-live", since, builder.close())


@pytest.mark.parametrize("metric", ["accuracy", "f1", "roc_auc", "log_loss"])
def test_classification_numbers_match_a_direct_computation(
    classification_log: Log, metric: str
) -> None:
    log = classification_log
    comparison = log.compare(metric)
    assert comparison.metric == metric
    for stats, routes, version in (
        (comparison.champion, CHAMPION_ROUTES, CHAMPION),
        (comparison.challenger, CHALLENGER_ROUTES, CHALLENGER),
    ):
        rows = log.written.selected(routes, version, log.since_ms)
        labelled, labels = log.written.labelled(rows)
        assert stats.version == version
        assert stats.requests == len({row.request_id for row in rows})
        assert stats.labelled == len(labelled)
        assert stats.metric is not None
        assert math.isclose(
            stats.metric, expected_classification(labelled, labels)[metric], rel_tol=1e-9
        )
        assert stats.p99_ms is not None
        assert math.isclose(stats.p99_ms, expected_p99(rows), rel_tol=1e-12)
        # The log has no failures files (as one written before failures were recorded).
        assert (stats.error_rate, stats.failed, stats.rejected) == (0.0, 0, 0)


def test_the_counts_are_what_was_written(classification_log: Log) -> None:
    comparison = classification_log.compare("accuracy")
    # 240 champion requests (the 30 of version 7 and those before the window left out) ...
    assert comparison.champion.requests == 240
    assert comparison.champion.labelled == 240 - 48
    # ... 120 shadow copies and 70 canary requests of two rows each.
    assert comparison.challenger.requests == 120 + 70
    shadow_labelled = sum(1 for i in range(0, 240, 2) if i % 5 != 0)
    assert comparison.challenger.labelled == shadow_labelled + 70 + 24


def test_the_window_starts_at_since(classification_log: Log) -> None:
    log = classification_log
    wider = live_comparison(
        log.root,
        log.name,
        since_ms=log.since_ms - 50,
        metric="accuracy",
        champion_version=CHAMPION,
        challenger_version=CHALLENGER,
    )
    assert wider.champion.requests == 240 + 2
    assert wider.challenger.requests == 190 + 2
    later = live_comparison(
        log.root,
        log.name,
        since_ms=log.since_ms + 240 * 500,
        metric="accuracy",
        champion_version=CHAMPION,
        challenger_version=CHALLENGER,
    )
    assert later.champion.requests == 0
    assert (later.champion.labelled, later.champion.metric, later.champion.p99_ms) == (
        0,
        None,
        None,
    )


def test_regression_numbers_match_a_direct_computation(tmp_path: Path) -> None:
    builder = LogBuilder(str(tmp_path), "reg-live", seed=3)
    rng = np.random.default_rng(4)
    since = int(time.time() * 1000) - 60_000
    for i in range(150):
        truth = float(rng.normal(10.0, 3.0))
        route, version, noise = (
            ("champion", CHAMPION, 0.5) if i % 3 else ("challenger", CHALLENGER, 2.0)
        )
        rid = builder.request(
            route=route,
            version=version,
            timestamp_ms=since + i * 100,
            predictions=[truth + float(rng.normal(0.0, noise))],
        )
        if i % 4:
            builder.label(rid, 0, truth)
    log = Log(str(tmp_path), "reg-live", since, builder.close())
    for metric in ("rmse", "mae", "r2"):
        comparison = log.compare(metric)
        for stats, routes, version in (
            (comparison.champion, CHAMPION_ROUTES, CHAMPION),
            (comparison.challenger, CHALLENGER_ROUTES, CHALLENGER),
        ):
            labelled, labels = log.written.labelled(log.written.selected(routes, version, since))
            assert stats.labelled == len(labelled) > 0
            assert stats.metric is not None
            expected = expected_regression(labelled, labels)[metric]
            assert math.isclose(stats.metric, expected, rel_tol=1e-9)
    rmse = log.compare("rmse")
    assert rmse.challenger.metric is not None
    assert rmse.champion.metric is not None
    assert rmse.challenger.metric > rmse.champion.metric


def test_metrics_that_cannot_be_told_are_none(tmp_path: Path) -> None:
    builder = LogBuilder(str(tmp_path), "one-class", seed=5)
    since = int(time.time() * 1000) - 60_000
    for i in range(20):
        for route, version in (("champion", CHAMPION), ("challenger", CHALLENGER)):
            rid = builder.request(
                route=route,
                version=version,
                timestamp_ms=since + i,
                predictions=[1],
                probabilities=[[0.2, 0.8]],
            )
            builder.label(rid, 0, 1)
    log = Log(str(tmp_path), "one-class", since, builder.close())
    # One class seen: no ROC AUC, and the two probability columns cannot be named.
    assert log.compare("roc_auc").champion.metric is None
    assert log.compare("log_loss").challenger.metric is None
    assert log.compare("accuracy").challenger.metric == 1.0


def test_an_empty_log_gives_zeros(tmp_path: Path) -> None:
    comparison = Log(str(tmp_path), "nothing-yet", 0, WrittenLog()).compare("f1")
    for stats in (comparison.champion, comparison.challenger):
        assert (stats.requests, stats.labelled, stats.metric, stats.p99_ms) == (0, 0, None, None)
        assert stats.error_rate is None


def test_bad_arguments_name_the_field(classification_log: Log) -> None:
    with pytest.raises(InvalidParameterError, match="live metric must be one of") as raised:
        classification_log.compare("gini")
    assert raised.value.field == "metric"
    with pytest.raises(InvalidParameterError, match="both version 1") as raised:
        live_comparison(
            classification_log.root,
            classification_log.name,
            since_ms=0,
            metric="accuracy",
            champion_version=1,
            challenger_version=1,
        )
    assert raised.value.field == "challenger_version"


# --- the scoring server's /metrics -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Served:
    url: str
    client: Client
    deployment: str
    log_root: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A real scoring server for deployment ``clf-live``: champion v1 (logistic), v2 a
    challenger that fails rows with f3 > 50, v3 a healthy challenger; shadow mode with v2."""
    client = Client(str(tmp_path / "tracking"))
    frame, target = training_frame()
    for model in (logistic(), FlakyModel(), logistic(0.1)):
        run = client.create_run("0")
        client.log_model(
            run.info.run_id,
            model,
            "model",
            training_data=frame,
            target=target,
            registered_model_name="clf",
        )
        client.set_terminated(run.info.run_id)
    client.set_alias("clf", "champion", 1)
    client.create_deployment("clf-live", "clf")
    client.update_deployment("clf-live", challenger_version=2, mode=DeploymentMode.SHADOW)
    log_root = str(tmp_path / "log")
    config = ServeConfig(
        target="clf-live",
        tracking_uri=str(tmp_path / "tracking"),
        inference_log_uri=log_root,
        port=0,
        poll_seconds=0.2,
        log_flush_seconds=0.3,
        trusted=True,
    )
    with live_app(create_app(config, client=client)) as url:
        _wait_until(lambda: httpx.get(f"{url}/version").json().get("challenger_version") == 2)
        yield Served(url, client, "clf-live", log_root)


def _wait_until(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _score(url: str, rows: np.ndarray) -> list[str]:
    ids = []
    with httpx.Client(timeout=30) as http:
        for row in rows:
            body = {"dataframe_split": {"columns": FEATURES, "data": [row.tolist()]}}
            response = http.post(f"{url}/v1/predict", json=body)
            assert response.status_code == 200, response.text
            ids.append(response.json()["request_id"])
    return ids


def test_error_rate_comes_from_the_failures_the_server_logs(served: Served) -> None:
    since = int(time.time() * 1000) - 1000
    rows = np.random.default_rng(6).normal(size=(40, 4))
    failing_rows = rows[:, 0] > 0
    rows[failing_rows, 3] = 99.0
    failing = int(failing_rows.sum())
    assert 5 < failing < 35
    ids = _score(served.url, rows)
    # Label every request through the server, as a caller would.
    labels = [
        {"request_id": rid, "label": int(row[0] > 0)} for rid, row in zip(ids, rows, strict=True)
    ]
    assert httpx.post(f"{served.url}/v1/feedback", json={"labels": labels}).status_code == 200

    def logged() -> bool:
        table = read_inference_log(served.log_root, served.deployment, start=since)
        unlabelled = int(table.column("label").null_count) if table.num_rows else 0
        return table.num_rows == 40 + 40 - failing and unlabelled == 0

    _wait_until(logged)
    _wait_until(
        lambda: read_failures(served.log_root, served.deployment, start=since).num_rows == failing
    )
    comparison = live_comparison(
        served.log_root,
        served.deployment,
        since_ms=since,
        metric="accuracy",
        champion_version=1,
        challenger_version=2,
    )
    assert comparison.challenger.error_rate == pytest.approx(failing / 40, rel=1e-12)
    assert (comparison.challenger.failed, comparison.challenger.rejected) == (failing, 0)
    assert comparison.champion.error_rate == 0.0
    assert comparison.champion.requests == 40
    assert comparison.challenger.requests == 40 - failing
    assert comparison.champion.labelled == 40
    # The shadow copies that succeeded are the rows with f0 <= 0, label 0, answered 0.
    assert comparison.challenger.metric == 1.0

    # The server's cumulative per-version counters tell the same, version by version, also
    # once it has loaded another challenger.
    assert challenger_error_rate(httpx.get(f"{served.url}/metrics").text, 2) == pytest.approx(
        failing / 40, rel=1e-12
    )
    served.client.update_deployment(served.deployment, challenger_version=3)
    _wait_until(lambda: httpx.get(f"{served.url}/version").json().get("challenger_version") == 3)
    _score(served.url, rows[:5])
    _wait_until(lambda: challenger_error_rate(httpx.get(f"{served.url}/metrics").text, 3) == 0.0)
    text = httpx.get(f"{served.url}/metrics").text
    assert challenger_error_rate(text, 2) == pytest.approx(failing / 40, rel=1e-12)


def test_a_server_with_nothing_to_count_gives_no_rate(served: Served) -> None:
    text = httpx.get(f"{served.url}/metrics").text
    assert challenger_error_rate(text, 2) is None


def test_text_that_is_not_prometheus_is_refused() -> None:
    with pytest.raises(ServingMetricsUnavailableError, match="not Prometheus text") as raised:
        challenger_error_rate("<html>{oops</html>\n", 2)
    assert raised.value.code == "TEMPORARILY_UNAVAILABLE"
