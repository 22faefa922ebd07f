"""Prometheus metrics of the scoring server (``GET /metrics``).

One :class:`ServingMetrics` per process. Series (all prefixed ``driftloop_serving_``):

- ``requests_total{endpoint,status}`` and ``errors_total{code}`` (the error's stable code);
- ``request_duration_seconds{endpoint}``: request latency histogram;
- ``batch_rows``: histogram of rows per model call (how well micro-batching coalesces);
- ``rows_total{model_version,route}``: rows scored, by the version and route that answered;
- ``model_requests_total{model_version,route,outcome}``: requests (and shadow copies) each
  version was asked to score, by outcome: ``ok``, ``failed`` (the model failed: a 5xx
  answer) or ``rejected`` (the model refused the input: a 4xx answer, e.g. a signature
  mismatch). Cumulative since the process started; the CT rollout reads per-phase error
  rates from the inference log instead (:mod:`driftloop.ct.live`);
- ``model_swaps_total{route}``: hot swaps (a route's loaded version changed);
- ``model_loaded{model_name,model_version,route}``: 1 for each loaded version, else 0;
- ``inference_log_queue_depth`` and ``inference_log_dropped_total``: the inference log's
  backlog and the records it dropped (fed by :meth:`ServingMetrics.set_log_stats`);
- ``shadow_dropped_total`` and ``shadow_failures_total{error_type}``: shadow copies skipped
  (too many in flight) and failed; ``feedback_labels_total{outcome}``: labels accepted or
  rejected.

**Several worker processes.** prometheus-client decides at *import* whether values live in
process memory or in files under ``PROMETHEUS_MULTIPROC_DIR``. So the CLI must set that
variable (to an empty directory) before the worker processes start and before anything
imports ``prometheus_client``; then every worker writes its own files and any worker's
``/metrics`` renders the sum over all of them (gauges: the queue depth is summed over live
workers, the loaded-model flag is the maximum over live workers). A supervisor that
restarts a worker should call ``prometheus_client.multiprocess.mark_process_dead(pid)``.
Without the variable each instance has its own private registry (tests may make several).
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.multiprocess import MultiProcessCollector

__all__ = ["MULTIPROCESS_ENV", "ServingMetrics", "multiprocess_enabled"]

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
_PREFIX = "driftloop_serving_"
_LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)


def multiprocess_enabled() -> bool:
    """Whether prometheus-client keeps values in ``PROMETHEUS_MULTIPROC_DIR`` files.

    True only when the variable was set before ``prometheus_client`` was imported.
    """
    return values.ValueClass is not values.MutexValue and bool(os.environ.get(MULTIPROCESS_ENV))


class ServingMetrics:
    """The scoring server's counters, histograms and gauges, and their exposition.

    Recording methods are cheap (labelled children are cached) and safe from any thread.
    """

    def __init__(self) -> None:
        self.multiprocess = multiprocess_enabled()
        registry = CollectorRegistry(auto_describe=True)
        self._registry = registry
        self._requests = Counter(
            f"{_PREFIX}requests_total",
            "Scoring requests answered, by endpoint and HTTP status.",
            ("endpoint", "status"),
            registry=registry,
        )
        self._errors = Counter(
            f"{_PREFIX}errors_total",
            "Requests answered with an error, by error code.",
            ("code",),
            registry=registry,
        )
        self._latency = Histogram(
            f"{_PREFIX}request_duration_seconds",
            "Time from request received to response ready, by endpoint.",
            ("endpoint",),
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self._batch_rows = Histogram(
            f"{_PREFIX}batch_rows",
            "Rows per model call (micro-batch size).",
            buckets=_BATCH_BUCKETS,
            registry=registry,
        )
        self._rows = Counter(
            f"{_PREFIX}rows_total",
            "Rows scored, by the model version and route that answered.",
            ("model_version", "route"),
            registry=registry,
        )
        self._model_requests = Counter(
            f"{_PREFIX}model_requests_total",
            "Requests a model version was asked to score, by route and outcome "
            "(ok, failed: 5xx, rejected: 4xx).",
            ("model_version", "route", "outcome"),
            registry=registry,
        )
        self._swaps = Counter(
            f"{_PREFIX}model_swaps_total",
            "Hot swaps: the loaded version of a route changed.",
            ("route",),
            registry=registry,
        )
        self._loaded = Gauge(
            f"{_PREFIX}model_loaded",
            "1 for each model version loaded for a route, 0 once unloaded.",
            ("model_name", "model_version", "route"),
            multiprocess_mode="livemax",
            registry=registry,
        )
        self._log_queue = Gauge(
            f"{_PREFIX}inference_log_queue_depth",
            "Inference log records waiting to be written.",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self._log_dropped = Counter(
            f"{_PREFIX}inference_log_dropped_total",
            "Inference log records dropped because the queue was full.",
            registry=registry,
        )
        self._shadow_dropped = Counter(
            f"{_PREFIX}shadow_dropped_total",
            "Shadow copies not sent because too many were in flight.",
            registry=registry,
        )
        self._shadow_failed = Counter(
            f"{_PREFIX}shadow_failures_total",
            "Shadow copies the challenger failed to score, by error type.",
            ("error_type",),
            registry=registry,
        )
        self._feedback = Counter(
            f"{_PREFIX}feedback_labels_total",
            "Feedback labels received, by outcome (accepted or rejected).",
            ("outcome",),
            registry=registry,
        )
        self._request_children: dict[tuple[str, int], Counter] = {}
        self._latency_children: dict[str, Histogram] = {}
        self._row_children: dict[tuple[str, str], Counter] = {}
        self._model_request_children: dict[tuple[str, str, str], Counter] = {}
        self._loaded_by_route: dict[str, tuple[str, str]] = {}
        self._dropped_seen = 0

    def observe_request(self, endpoint: str, status: int, seconds: float) -> None:
        """Count a request answered with ``status`` after ``seconds``."""
        key = (endpoint, status)
        requests = self._request_children.get(key)
        if requests is None:
            requests = self._requests.labels(endpoint, str(status))
            self._request_children[key] = requests
        requests.inc()
        latency = self._latency_children.get(endpoint)
        if latency is None:
            latency = self._latency.labels(endpoint)
            self._latency_children[endpoint] = latency
        latency.observe(seconds)

    def observe_error(self, code: str) -> None:
        """Count an error answer with the error's stable ``code`` (e.g. ``SIGNATURE_MISMATCH``)."""
        self._errors.labels(code).inc()

    def observe_batch(self, rows: int) -> None:
        """Record one model call of ``rows`` rows."""
        self._batch_rows.observe(rows)

    def add_rows(self, model_version: int | str, route: str, rows: int) -> None:
        """Count ``rows`` scored by ``model_version`` on ``route``."""
        key = (str(model_version), str(route))
        child = self._row_children.get(key)
        if child is None:
            child = self._rows.labels(*key)
            self._row_children[key] = child
        child.inc(rows)

    def observe_model_request(self, model_version: int | str, route: str, outcome: str) -> None:
        """Count one request of ``model_version`` on ``route`` (ok, failed or rejected)."""
        key = (str(model_version), str(route), str(outcome))
        child = self._model_request_children.get(key)
        if child is None:
            child = self._model_requests.labels(*key)
            self._model_request_children[key] = child
        child.inc()

    def shadow_dropped(self) -> None:
        """Count a shadow copy skipped because too many were in flight."""
        self._shadow_dropped.inc()

    def shadow_failed(self, error_type: str) -> None:
        """Count a shadow copy the challenger failed on (``error_type``: the class name)."""
        self._shadow_failed.labels(error_type).inc()

    def feedback(self, accepted: int, rejected: int) -> None:
        """Count feedback labels kept (matched a logged request) and rejected."""
        if accepted:
            self._feedback.labels("accepted").inc(accepted)
        if rejected:
            self._feedback.labels("rejected").inc(rejected)

    def set_loaded_model(
        self, route: str, model_name: str | None, model_version: int | str | None
    ) -> None:
        """Record what ``route`` serves now (None: nothing); a change counts as a swap."""
        route = str(route)
        previous = self._loaded_by_route.pop(route, None)
        current = None if model_name is None else (model_name, str(model_version))
        if previous == current:
            if current is not None:
                self._loaded_by_route[route] = current
            return
        if previous is not None:
            self._loaded.labels(previous[0], previous[1], route).set(0)
            if current is not None:
                self._swaps.labels(route).inc()
        if current is not None:
            self._loaded.labels(current[0], current[1], route).set(1)
            self._loaded_by_route[route] = current

    def set_log_stats(self, queue_depth: int, dropped_total: int) -> None:
        """Update the inference log series from its cumulative stats.

        ``dropped_total`` is the log's running count; the counter grows by the difference
        since the last call (by the whole count if the log was restarted and its count fell).
        """
        self._log_queue.set(queue_depth)
        grown = dropped_total - self._dropped_seen
        if grown < 0:
            grown = dropped_total
        if grown:
            self._log_dropped.inc(grown)
        self._dropped_seen = dropped_total

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type (every worker's sum in multiprocess mode)."""
        if self.multiprocess:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self._registry), CONTENT_TYPE_LATEST
