"""ServingMetrics: the exposition text carries every series, in one and in several processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from driftloop.serving.metrics import ServingMetrics, multiprocess_enabled


def samples(metrics: ServingMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, content_type = metrics.render()
    assert content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def value(
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return found[(name, tuple(sorted(labels.items())))]


P = "driftloop_serving_"


def test_single_process_exposition_has_every_series() -> None:
    assert not multiprocess_enabled()
    metrics = ServingMetrics()
    metrics.observe_request("/invocations", 200, 0.003)
    metrics.observe_request("/invocations", 200, 0.004)
    metrics.observe_request("/v1/predict", 400, 0.0007)
    metrics.observe_error("SIGNATURE_MISMATCH")
    metrics.observe_batch(1)
    metrics.observe_batch(12)
    metrics.add_rows(3, "champion", 12)
    metrics.add_rows("4", "challenger", 2)
    metrics.set_loaded_model("champion", "churn", 3)
    metrics.set_log_stats(queue_depth=17, dropped_total=5)

    found = samples(metrics)
    assert value(found, f"{P}requests_total", endpoint="/invocations", status="200") == 2
    assert value(found, f"{P}requests_total", endpoint="/v1/predict", status="400") == 1
    assert value(found, f"{P}errors_total", code="SIGNATURE_MISMATCH") == 1
    assert value(found, f"{P}request_duration_seconds_count", endpoint="/invocations") == 2
    assert (
        value(found, f"{P}request_duration_seconds_bucket", endpoint="/invocations", le="0.005")
        == 2
    )
    assert (
        value(found, f"{P}request_duration_seconds_bucket", endpoint="/invocations", le="0.0025")
        == 0
    )
    assert value(found, f"{P}batch_rows_count") == 2
    assert value(found, f"{P}batch_rows_sum") == 13
    assert value(found, f"{P}batch_rows_bucket", le="1.0") == 1
    assert value(found, f"{P}rows_total", model_version="3", route="champion") == 12
    assert value(found, f"{P}rows_total", model_version="4", route="challenger") == 2
    assert (
        value(found, f"{P}model_loaded", model_name="churn", model_version="3", route="champion")
        == 1
    )
    assert value(found, f"{P}inference_log_queue_depth") == 17
    assert value(found, f"{P}inference_log_dropped_total") == 5


def test_instances_have_separate_registries() -> None:
    first, second = ServingMetrics(), ServingMetrics()
    first.add_rows(1, "champion", 5)
    assert value(samples(first), f"{P}rows_total", model_version="1", route="champion") == 5
    assert (f"{P}rows_total", (("model_version", "1"), ("route", "champion"))) not in samples(
        second
    )


def test_swaps_and_loaded_versions() -> None:
    metrics = ServingMetrics()
    metrics.set_loaded_model("champion", "churn", 1)
    metrics.set_loaded_model("champion", "churn", 1)  # no change, no swap
    metrics.set_loaded_model("champion", "churn", 2)
    metrics.set_loaded_model("challenger", "churn", 3)
    metrics.set_loaded_model("challenger", None, None)
    found = samples(metrics)
    assert value(found, f"{P}model_swaps_total", route="champion") == 1
    assert (f"{P}model_swaps_total", (("route", "challenger"),)) not in found
    loaded = {"model_name": "churn", "route": "champion"}
    assert value(found, f"{P}model_loaded", model_version="1", **loaded) == 0
    assert value(found, f"{P}model_loaded", model_version="2", **loaded) == 1
    assert (
        value(found, f"{P}model_loaded", model_name="churn", model_version="3", route="challenger")
        == 0
    )


def test_shadow_and_feedback_counters() -> None:
    metrics = ServingMetrics()
    metrics.shadow_dropped()
    metrics.shadow_dropped()
    metrics.shadow_failed("SignatureError")
    metrics.feedback(accepted=3, rejected=1)
    metrics.feedback(accepted=2, rejected=0)
    found = samples(metrics)
    assert value(found, f"{P}shadow_dropped_total") == 2
    assert value(found, f"{P}shadow_failures_total", error_type="SignatureError") == 1
    assert value(found, f"{P}feedback_labels_total", outcome="accepted") == 5
    assert value(found, f"{P}feedback_labels_total", outcome="rejected") == 1


def test_dropped_records_follow_the_cumulative_count() -> None:
    metrics = ServingMetrics()
    metrics.set_log_stats(3, 2)
    metrics.set_log_stats(0, 2)
    metrics.set_log_stats(1, 7)
    metrics.set_log_stats(1, 1)  # the log restarted: its count fell
    found = samples(metrics)
    assert value(found, f"{P}inference_log_dropped_total") == 8
    assert value(found, f"{P}inference_log_queue_depth") == 1


WORKER = """
import sys
from driftloop.serving.metrics import ServingMetrics
metrics = ServingMetrics()
assert metrics.multiprocess
metrics.observe_request("/invocations", 200, 0.002)
metrics.add_rows(1, "champion", int(sys.argv[1]))
metrics.set_log_stats(queue_depth=int(sys.argv[1]), dropped_total=1)
metrics.set_loaded_model("champion", "churn", 1)
if sys.argv[2] == "render":
    sys.stdout.write(metrics.render()[0].decode())
"""


def test_multiprocess_mode_sums_over_worker_processes(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}

    def worker(rows: int, action: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", WORKER, str(rows), action],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    worker(5, "quiet")
    text = worker(7, "render")
    found = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert value(found, f"{P}requests_total", endpoint="/invocations", status="200") == 2
    assert value(found, f"{P}rows_total", model_version="1", route="champion") == 12
    assert value(found, f"{P}inference_log_dropped_total") == 2
    assert value(found, f"{P}request_duration_seconds_count", endpoint="/invocations") == 2
    # livesum/livemax gauges: both worker files are present until mark_process_dead
    assert value(found, f"{P}inference_log_queue_depth") == 12
    assert (
        value(found, f"{P}model_loaded", model_name="churn", model_version="1", route="champion")
        == 1
    )
    assert any(path.name.startswith("gauge_livesum") for path in tmp_path.iterdir())


def test_recording_is_cheap() -> None:
    metrics = ServingMetrics()
    started = time.perf_counter()
    for _ in range(10_000):
        metrics.observe_request("/invocations", 200, 0.001)
        metrics.add_rows(1, "champion", 1)
    per_call = (time.perf_counter() - started) / 10_000
    assert per_call < 50e-6
