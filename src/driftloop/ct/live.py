"""The champion and the challenger on live traffic: requests, live metric, latency, errors.

:func:`live_comparison` reads the deployment's inference log since a time (the start of the
shadow phase or of the current canary step) and sums up each model's rows:

- champion rows: route ``champion`` and the champion's version;
- challenger rows: routes ``challenger`` (its canary share) and ``shadow`` (copies it scored
  in shadow mode), and the challenger's version.

For each model: ``requests`` is the number of distinct requests it answered (or scored in
shadow), ``labelled`` the rows with a feedback label, ``metric`` the live metric on those rows
(:mod:`driftloop.monitoring.performance`), ``p99_ms`` the 99th percentile of the per-request
latency. The log only holds answered requests, so the error rate comes from the scoring
server's Prometheus ``/metrics`` when its URL is given (see :func:`challenger_error_rate`),
and is None otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from prometheus_client.parser import text_string_to_metric_families

from driftloop.errors import InvalidParameterError, StoreUnavailableError
from driftloop.monitoring.inference_log import read_inference_log
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
_SCRAPE_TIMEOUT_S = 10.0


class ServingMetricsUnavailableError(StoreUnavailableError):
    """The scoring server's ``/metrics`` could not be read (down, or not Prometheus text)."""


@dataclass(frozen=True, slots=True)
class LiveStats:
    """One model's live numbers since a time.

    Attributes:
        version: The model version.
        requests: Distinct requests it answered (or scored as shadow copies).
        labelled: Its rows with a feedback label.
        metric: The live metric on the labelled rows; None without labelled rows or when it
            cannot be computed (e.g. ``r2`` of constant labels, ``roc_auc`` of one class).
        p99_ms: The 99th percentile of its per-request latency; None without requests.
        error_rate: Its share of failed requests, from the scoring server's metrics; None
            when unknown (no metrics URL, or the server's counters do not tell).
    """

    version: int
    requests: int
    labelled: int
    metric: float | None
    p99_ms: float | None
    error_rate: float | None


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
    serving_metrics_url: str | None = None,
) -> LiveComparison:
    """Both models' live numbers from the inference log rows at or after ``since_ms``.

    Args:
        inference_log_uri: The inference log's root.
        log_name: The deployment's name in the log.
        since_ms: Rows scored at or after this time (ms since the epoch) count.
        metric: One of :data:`LIVE_METRICS`.
        champion_version: The champion's version: its ``champion`` rows count.
        challenger_version: The challenger's version: its ``challenger`` and ``shadow`` rows
            count.
        serving_metrics_url: The scoring server's ``/metrics`` URL, for the challenger's
            error rate; None leaves both error rates None.

    Raises:
        InvalidParameterError: An unknown metric, equal versions, or log rows the metric
            cannot be computed on (e.g. text labels for ``rmse``).
        ServingMetricsUnavailableError: ``serving_metrics_url`` could not be read.
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
    table = read_inference_log(
        inference_log_uri, log_name, start=since_ms, routes=_CHAMPION_ROUTES | _CHALLENGER_ROUTES
    )
    error_rate = None
    if serving_metrics_url is not None:
        error_rate = challenger_error_rate(_scrape(serving_metrics_url), challenger_version)
    return LiveComparison(
        champion=_stats(table, champion_version, _CHAMPION_ROUTES, metric, None),
        challenger=_stats(table, challenger_version, _CHALLENGER_ROUTES, metric, error_rate),
        metric=metric,
    )


def challenger_error_rate(exposition: str, challenger_version: int) -> float | None:
    """The challenger's share of failed shadow copies, from a ``/metrics`` exposition text.

    ``shadow_failures_total`` (summed over error types) counts the shadow copies the
    challenger failed to score, ``rows_total{route="shadow"}`` of its version the rows it
    scored: the rate is failures / (failures + scored), exact when requests carry one row
    each (with larger requests it understates the rate). The failure counter has no version,
    so the rate is None when the server has loaded another challenger version since it
    started (its ``model_loaded{route="challenger"}`` series name one), and when there is
    nothing to count yet. Canary answers are not covered: the server does not count errors
    by route.

    Raises:
        ServingMetricsUnavailableError: The text is not Prometheus exposition text.
    """
    failures = 0.0
    scored = 0.0
    challengers: set[str] = set()
    version = str(challenger_version)
    try:
        families = list(text_string_to_metric_families(exposition))
    except ValueError as error:
        raise ServingMetricsUnavailableError(
            "the scoring server's /metrics is not Prometheus text", field="serving_metrics_url"
        ) from error
    for family in families:
        for sample in family.samples:
            labels = sample.labels
            if sample.name == f"{_PREFIX}shadow_failures_total":
                failures += sample.value
            elif (
                sample.name == f"{_PREFIX}rows_total"
                and labels.get("route") == "shadow"
                and labels.get("model_version") == version
            ):
                scored += sample.value
            elif sample.name == f"{_PREFIX}model_loaded" and labels.get("route") == "challenger":
                challengers.add(labels.get("model_version", ""))
    if challengers - {version} or failures + scored == 0.0:
        return None
    return failures / (failures + scored)


def _scrape(url: str) -> str:
    try:
        response = httpx.get(url, timeout=_SCRAPE_TIMEOUT_S)
        response.raise_for_status()
    except httpx.HTTPError as error:
        raise ServingMetricsUnavailableError(
            f"cannot read the scoring server's metrics ({type(error).__name__})",
            field="serving_metrics_url",
        ) from error
    return response.text


def _stats(
    table: pa.Table,
    version: int,
    routes: Collection[str],
    metric: str,
    error_rate: float | None,
) -> LiveStats:
    if table.num_rows:
        keep = pc.and_(
            pc.is_in(table.column("route"), value_set=pa.array(sorted(routes), pa.string())),
            pc.equal(table.column("model_version"), version),
        )
        table = table.filter(keep)
    if table.num_rows == 0:
        return LiveStats(version, 0, 0, None, None, error_rate)
    labelled = table.filter(pc.is_valid(table.column("label")))
    return LiveStats(
        version=version,
        requests=len(pc.unique(table.column("request_id"))),
        labelled=labelled.num_rows,
        metric=_metric(labelled, metric) if labelled.num_rows else None,
        p99_ms=_p99(table),
        error_rate=error_rate,
    )


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
