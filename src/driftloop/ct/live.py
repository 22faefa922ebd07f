"""The champion and the challenger on live traffic: requests, live metric, latency, errors.

:func:`live_comparison` reads the deployment's inference log since a time (the start of the
shadow phase or of the current canary step) and sums up each model's rows:

- champion rows: route ``champion`` and the champion's version;
- challenger rows: routes ``challenger`` (its canary share) and ``shadow`` (copies it scored
  in shadow mode), and the challenger's version.

For each model: ``requests`` is the number of distinct requests it answered (or scored in
shadow), ``labelled`` the rows with a feedback label, ``metric`` the live metric on those rows
(:mod:`driftloop.monitoring.performance`), ``p99_ms`` the 99th percentile of the per-request
latency.

**Error rate, from the same log.** The scoring server records every request a model version
fails (a canary answer, a champion answer, or a shadow copy) in the log's ``failures`` files
(:func:`~driftloop.monitoring.inference_log.read_failures`: route, version, time, error
code and HTTP status; no payload). ``failed`` counts the distinct requests of the model's
routes and version since ``since_ms`` that it failed with a 5xx (the model broke),
``rejected`` those it refused with a 4xx (the input did not match *its* signature), and
``error_rate = (failed + rejected) / (requests + failed + rejected)``: the share of the
requests it was asked to score that it did not answer. Rejections count because the
signature belongs to the version: a challenger that refuses what callers send (a shadow copy
is only made of a request the champion answered) must not be promoted just because it never
crashed. Input that no version accepts is rejected by the champion alike, so its rate shows
it. The rate is None only when the model was asked nothing in the window.

Why the log rather than Prometheus counters: the log is already the one source the rest of
the comparison reads, it is windowed by time for free (phase by phase, with no counter
deltas to keep between ticks), it tells versions apart per request, it sums over every
worker process and replica that writes to the same root, and it survives server restarts
(counters start again from zero). A log written before failures were recorded has no
``failures`` files and reads as "no failures". :func:`challenger_error_rate` still reads a
server's ``/metrics`` text, for dashboards and ad-hoc checks: its counters are cumulative
since the server started.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from prometheus_client.parser import text_string_to_metric_families

from driftloop.errors import InvalidParameterError, StoreUnavailableError
from driftloop.monitoring.inference_log import read_failures, read_inference_log
from driftloop.monitoring.performance import classification_metrics, regression_metrics

__all__ = [
    "LIVE_METRICS",
    "LiveComparison",
    "LiveStats",
    "ServingMetricsUnavailableError",
    "challenger_error_rate",
    "live_comparison",
]

_CLASSIFICATION = frozenset(
    {"accuracy", "balanced_accuracy", "f1", "precision", "recall", "roc_auc", "log_loss"}
)
_WITH_PROBABILITIES = frozenset({"roc_auc", "log_loss"})
_REGRESSION = frozenset({"rmse", "mse", "mae", "r2"})
LIVE_METRICS = _CLASSIFICATION | _REGRESSION
"""The metrics :func:`live_comparison` computes on labelled live rows."""

_CHAMPION_ROUTES = frozenset({"champion"})
_CHALLENGER_ROUTES = frozenset({"challenger", "shadow"})
_PREFIX = "driftloop_serving_"
_SERVER_ERROR = 500


class ServingMetricsUnavailableError(StoreUnavailableError):
    """A scoring server's ``/metrics`` text is not Prometheus exposition text."""


@dataclass(frozen=True, slots=True)
class LiveStats:
    """One model's live numbers since a time.

    Attributes:
        version: The model version.
        requests: Distinct requests it answered (or scored as shadow copies).
        labelled: Its rows with a feedback label.
        metric: The live metric on the labelled rows; None without labelled rows or when it
            cannot be computed (e.g. ``r2`` of constant labels, ``roc_auc`` of one class).
        p99_ms: The 99th percentile of its per-request latency (answered requests only);
            None without requests.
        error_rate: ``(failed + rejected) / (requests + failed + rejected)``: the share of
            the requests it was asked to score that it did not answer; None when it was
            asked nothing.
        failed: Distinct requests (or shadow copies) it failed with a server error (5xx).
        rejected: Distinct requests (or shadow copies) it refused with a client error
            (4xx: the input did not match its signature).
    """

    version: int
    requests: int
    labelled: int
    metric: float | None
    p99_ms: float | None
    error_rate: float | None
    failed: int = 0
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class LiveComparison:
    """The champion's and the challenger's live numbers over the same time, and the metric."""

    champion: LiveStats
    challenger: LiveStats
    metric: str


def live_comparison(
    inference_log_uri: str,
    log_name: str,
    *,
    since_ms: int,
    metric: str,
    champion_version: int,
    challenger_version: int,
) -> LiveComparison:
    """Both models' live numbers from the inference log rows at or after ``since_ms``.

    Answered requests come from the log's predictions, failed and rejected ones from its
    failures, both since ``since_ms``: each model's error rate covers the phase (shadow or
    the current canary step) and only its own version.

    Args:
        inference_log_uri: The inference log's root.
        log_name: The deployment's name in the log.
        since_ms: Rows scored at or after this time (ms since the epoch) count.
        metric: One of :data:`LIVE_METRICS`.
        champion_version: The champion's version: its ``champion`` rows count.
        challenger_version: The challenger's version: its ``challenger`` and ``shadow`` rows
            count.

    Raises:
        InvalidParameterError: An unknown metric, equal versions, or log rows the metric
            cannot be computed on (e.g. text labels for ``rmse``).
    """
    if metric not in LIVE_METRICS:
        raise InvalidParameterError(
            f"live metric must be one of {', '.join(sorted(LIVE_METRICS))}, not {metric!r}",
            field="metric",
        )
    if champion_version == challenger_version:
        raise InvalidParameterError(
            f"the champion and the challenger are both version {champion_version}",
            field="challenger_version",
        )
    routes = _CHAMPION_ROUTES | _CHALLENGER_ROUTES
    table = read_inference_log(inference_log_uri, log_name, start=since_ms, routes=routes)
    failures = read_failures(inference_log_uri, log_name, start=since_ms, routes=routes)
    return LiveComparison(
        champion=_stats(table, failures, champion_version, _CHAMPION_ROUTES, metric),
        challenger=_stats(table, failures, challenger_version, _CHALLENGER_ROUTES, metric),
        metric=metric,
    )


def challenger_error_rate(exposition: str, challenger_version: int) -> float | None:
    """The challenger's share of failed requests, from a ``/metrics`` exposition text.

    Reads ``model_requests_total{model_version,route,outcome}`` of the challenger's version
    on the routes ``challenger`` and ``shadow``: ``(failed + rejected) / (ok + failed +
    rejected)``, the definition :class:`LiveStats` uses. The counters are cumulative since
    the scoring server started (not since a rollout phase began), so this is for dashboards
    and ad-hoc checks; :func:`live_comparison` reads a phase's rate from the inference log.
    None when the version was asked nothing (or the server does not export the series).

    Raises:
        ServingMetricsUnavailableError: The text is not Prometheus exposition text.
    """
    counts = {"ok": 0.0, "failed": 0.0, "rejected": 0.0}
    version = str(challenger_version)
    try:
        families = list(text_string_to_metric_families(exposition))
    except ValueError as error:
        raise ServingMetricsUnavailableError(
            "the scoring server's /metrics is not Prometheus text", field="exposition"
        ) from error
    for family in families:
        for sample in family.samples:
            labels = sample.labels
            if (
                sample.name == f"{_PREFIX}model_requests_total"
                and labels.get("model_version") == version
                and labels.get("route") in _CHALLENGER_ROUTES
                and labels.get("outcome") in counts
            ):
                counts[labels["outcome"]] += sample.value
    total = sum(counts.values())
    return (counts["failed"] + counts["rejected"]) / total if total else None


def _stats(
    table: pa.Table, failures: pa.Table, version: int, routes: Collection[str], metric: str
) -> LiveStats:
    table = _own_rows(table, version, routes)
    failures = _own_rows(failures, version, routes)
    server_errors = pc.greater_equal(failures.column("status"), _SERVER_ERROR)
    failed = _distinct_requests(failures.filter(server_errors))
    rejected = _distinct_requests(failures.filter(pc.invert(server_errors)))
    requests = _distinct_requests(table)
    asked = requests + failed + rejected
    error_rate = (failed + rejected) / asked if asked else None
    if requests == 0:
        return LiveStats(version, 0, 0, None, None, error_rate, failed, rejected)
    labelled = table.filter(pc.is_valid(table.column("label")))
    return LiveStats(
        version=version,
        requests=requests,
        labelled=labelled.num_rows,
        metric=_metric(labelled, metric) if labelled.num_rows else None,
        p99_ms=_p99(table),
        error_rate=error_rate,
        failed=failed,
        rejected=rejected,
    )


def _own_rows(table: pa.Table, version: int, routes: Collection[str]) -> pa.Table:
    """The rows of ``version`` on ``routes``."""
    if table.num_rows == 0:
        return table
    keep = pc.and_(
        pc.is_in(table.column("route"), value_set=pa.array(sorted(routes), pa.string())),
        pc.equal(table.column("model_version"), version),
    )
    return table.filter(keep)


def _distinct_requests(table: pa.Table) -> int:
    return len(pc.unique(table.column("request_id"))) if table.num_rows else 0


def _p99(table: pa.Table) -> float:
    """The 99th percentile (linear interpolation) of one latency per request."""
    ids = table.column("request_id").to_pylist()
    latencies = table.column("latency_ms").to_pylist()
    per_request = dict(zip(ids, latencies, strict=True))
    return float(np.percentile(np.asarray(list(per_request.values()), dtype=np.float64), 99))


def _metric(labelled: pa.Table, metric: str) -> float | None:
    labels = labelled.column("label").to_pylist()
    predictions = labelled.column("prediction").to_pylist()
    if metric in _REGRESSION:
        values = regression_metrics(np.asarray(labels), np.asarray(predictions))
    elif metric in _WITH_PROBABILITIES:
        values = _probability_metrics(labelled, labels, predictions)
    else:
        values = classification_metrics(np.asarray(labels), np.asarray(predictions))
    value = values.get(metric)
    return value if value is not None and math.isfinite(value) else None


def _probability_metrics(
    labelled: pa.Table, labels: list[Any], predictions: list[Any]
) -> dict[str, float]:
    """Metrics with probabilities, when every row has them and the classes can be told.

    The log has no class names: the classes seen (labels and predictions, sorted as
    scikit-learn sorts ``classes_``) must be as many as the probability columns.
    """
    if "probabilities" not in labelled.column_names:
        return {}
    rows = labelled.column("probabilities").to_pylist()
    widths = {None if row is None else len(row) for row in rows}
    classes = sorted(set(labels) | set(predictions), key=lambda v: (str(type(v)), v))
    if widths != {len(classes)}:
        return {}
    return classification_metrics(
        np.asarray(labels), np.asarray(predictions), np.asarray(rows), classes
    )
