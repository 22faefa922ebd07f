"""Error rates per model version since a time, from the inference log's failures.

Logs are written with the real writer; the expected numbers are counted by hand from what
was written. Also: ``challenger_error_rate`` on the text a real ``ServingMetrics`` renders.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from driftloop.ct.live import LiveComparison, LiveStats, challenger_error_rate, live_comparison
from driftloop.monitoring.inference_log import FailedRequest, InferenceLogWriter, ScoredRequest
from driftloop.monitoring.request_ids import new_request_id
from driftloop.serving.metrics import ServingMetrics

CHAMPION, CHALLENGER, OTHER = 1, 2, 3
SINCE = int(time.time() * 1000) - 60_000


class Log:
    """A deployment's log written through the real writer."""

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.writer = InferenceLogWriter(self.root, "dep", flush_seconds=60)

    def answer(self, route: str, version: int, at: int, *, rows: int = 1) -> str:
        request_id = new_request_id()
        assert self.writer.submit(
            ScoredRequest(
                request_id=request_id,
                timestamp_ms=at,
                model_name="m",
                model_version=version,
                route=route,
                features=pd.DataFrame({"x": [float(i) for i in range(rows)]}),
                predictions=[0] * rows,
                probabilities=None,
                latency_ms=3.0,
            )
        )
        return request_id

    def fail(
        self, route: str, version: int, at: int, *, status: int = 500, request_id: str = ""
    ) -> None:
        assert self.writer.submit_failure(
            FailedRequest(
                request_id=request_id or new_request_id(),
                timestamp_ms=at,
                model_name="m",
                model_version=version,
                route=route,
                error_type="RuntimeError" if status >= 500 else "SignatureError",
                error_code="INTERNAL_ERROR" if status >= 500 else "SIGNATURE_MISMATCH",
                status=status,
                latency_ms=1.0,
            )
        )

    def compare(self, since_ms: int = SINCE) -> LiveComparison:
        self.writer.close()
        return live_comparison(
            self.root,
            "dep",
            since_ms=since_ms,
            metric="accuracy",
            champion_version=CHAMPION,
            challenger_version=CHALLENGER,
        )


def _counts(stats: LiveStats) -> tuple[int, int, int, float | None]:
    return stats.requests, stats.failed, stats.rejected, stats.error_rate


def test_each_side_counts_its_own_routes_and_version_since_the_phase(tmp_path: Path) -> None:
    log = Log(tmp_path)
    for i in range(8):  # champion: 8 answered, 2 failed, 1 refused
        log.answer("champion", CHAMPION, SINCE + i)
    log.fail("champion", CHAMPION, SINCE + 10)
    log.fail("champion", CHAMPION, SINCE + 11)
    log.fail("champion", CHAMPION, SINCE + 12, status=400)
    for i in range(5):  # challenger: 5 answered (canary and shadow, one of 3 rows)
        log.answer("challenger" if i % 2 else "shadow", CHALLENGER, SINCE + i, rows=3 if i else 1)
    log.fail("challenger", CHALLENGER, SINCE + 20)  # 3 canary failures ...
    log.fail("challenger", CHALLENGER, SINCE + 21, status=503)
    log.fail("shadow", CHALLENGER, SINCE + 22)  # ... one of them a shadow copy
    log.fail("shadow", CHALLENGER, SINCE + 23, status=422)  # and 1 refusal
    # Not counted: before the phase, another version, the challenger's version on the
    # champion route (after a promotion), the champion's version on the shadow route.
    log.fail("challenger", CHALLENGER, SINCE - 1)
    log.fail("champion", CHAMPION, SINCE - 1)
    log.fail("challenger", OTHER, SINCE + 30)
    log.fail("champion", CHALLENGER, SINCE + 31)
    log.fail("shadow", CHAMPION, SINCE + 32)
    comparison = log.compare()
    assert _counts(comparison.champion) == (8, 2, 1, pytest.approx(3 / 11, rel=1e-12))
    assert _counts(comparison.challenger) == (5, 3, 1, pytest.approx(4 / 9, rel=1e-12))
    # One millisecond earlier, the two failures at SINCE - 1 count as well.
    earlier = log.compare(SINCE - 1)
    assert _counts(earlier.champion)[1] == 3
    assert _counts(earlier.challenger)[1] == 4


def test_a_request_counts_once_and_the_latency_is_of_answers_only(tmp_path: Path) -> None:
    log = Log(tmp_path)
    log.answer("challenger", CHALLENGER, SINCE)
    # The same request recorded twice (e.g. by two writers) is one failed request.
    rid = new_request_id()
    log.fail("challenger", CHALLENGER, SINCE + 1, request_id=rid)
    log.fail("challenger", CHALLENGER, SINCE + 2, request_id=rid)
    challenger = log.compare().challenger
    assert _counts(challenger) == (1, 1, 0, 0.5)
    assert challenger.p99_ms == 3.0


def test_a_challenger_that_only_fails(tmp_path: Path) -> None:
    log = Log(tmp_path)
    log.answer("champion", CHAMPION, SINCE)
    for i in range(4):
        log.fail("challenger", CHALLENGER, SINCE + i)
    comparison = log.compare()
    challenger = comparison.challenger
    assert _counts(challenger) == (0, 4, 0, 1.0)
    assert (challenger.labelled, challenger.metric, challenger.p99_ms) == (0, None, None)
    assert _counts(comparison.champion) == (1, 0, 0, 0.0)


def test_a_log_without_failures_has_no_errors(tmp_path: Path) -> None:
    log = Log(tmp_path)
    log.answer("champion", CHAMPION, SINCE)
    comparison = log.compare()
    assert not (tmp_path / "dep" / "failures").exists()
    assert _counts(comparison.champion) == (1, 0, 0, 0.0)
    # Asked nothing: no rate at all.
    assert _counts(comparison.challenger) == (0, 0, 0, None)


def test_challenger_error_rate_reads_the_per_version_counters() -> None:
    metrics = ServingMetrics()
    assert challenger_error_rate(metrics.render()[0].decode(), CHALLENGER) is None
    for route, outcome, times in (
        ("challenger", "ok", 6),
        ("shadow", "ok", 2),
        ("challenger", "failed", 3),
        ("shadow", "rejected", 1),
        ("champion", "failed", 50),  # the champion route is not the challenger's
    ):
        for _ in range(times):
            metrics.observe_model_request(CHALLENGER, route, outcome)
    for _ in range(9):
        metrics.observe_model_request(OTHER, "challenger", "failed")
    text = metrics.render()[0].decode()
    assert challenger_error_rate(text, CHALLENGER) == pytest.approx(4 / 12, rel=1e-12)
    assert challenger_error_rate(text, OTHER) == 1.0
    assert challenger_error_rate(text, 99) is None
