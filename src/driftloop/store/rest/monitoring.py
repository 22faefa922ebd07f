"""``MonitorStore`` over the native REST API (``/api/v1/monitoring``).

Arguments are checked here with the checks every backend shares
(:mod:`driftloop.store.monitor_validation`) before anything is sent: a call fails exactly as on
a SQL store (same class, message and field, even for values JSON or a query string could not
carry, such as a ``"1"`` version or a string that reads ``"NaN"``), and the body is always
encodable. The server checks everything again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from driftloop.entities import MonitorPoint, MonitorRun, MonitorVerdict, Page, SeriesPoint
from driftloop.server.api_v1.codec import page_from_json
from driftloop.server.api_v1.monitoring_codec import (
    point_to_json,
    run_from_json,
    series_point_from_json,
)
from driftloop.store.monitor_base import (
    MONITOR_RUNS_MAX_RESULTS_DEFAULT,
    MONITOR_RUNS_MAX_RESULTS_LIMIT,
    MonitorStore,
)
from driftloop.store.monitor_validation import (
    MAX_COLUMN_LENGTH,
    MAX_DEPLOYMENT_LENGTH,
    MAX_METRIC_LENGTH,
    MonitorRunRequest,
    checked_model_version,
    checked_optional_time,
    checked_text,
    checked_time,
)
from driftloop.store.rest.client import RestClient
from driftloop.store.validation import validate_max_results


class RestMonitorStore(MonitorStore):
    """Monitoring runs and their series on a driftloop server.

    Args:
        client: The HTTP client shared by the server's REST stores.
    """

    def __init__(self, client: RestClient) -> None:
        self._client = client

    def record_monitor_run(
        self,
        deployment: str,
        *,
        model_version: int | None,
        window_start: int,
        window_end: int,
        rows: int,
        verdict: MonitorVerdict | str,
        points: Sequence[MonitorPoint],
        details: Mapping[str, str] | None = None,
    ) -> MonitorRun:
        """Store the run and its points in one request (one transaction on the server).

        Raises:
            InvalidParameterError: A field is invalid (field named); nothing is sent.
        """
        request = MonitorRunRequest.checked(
            deployment,
            model_version=model_version,
            window_start=window_start,
            window_end=window_end,
            rows=rows,
            verdict=verdict,
            points=points,
            details=details,
        )
        body = {
            "deployment": request.deployment,
            "model_version": request.model_version,
            "window_start": request.window_start,
            "window_end": request.window_end,
            "rows": request.rows,
            "verdict": request.verdict.value,
            "points": [point_to_json(point) for point in request.points],
            "details": request.details,
        }
        return run_from_json(self._client.post("/monitoring/runs/record", body)["run"])

    def get_monitor_run(self, run_id: str) -> MonitorRun:
        """The run with its points sorted by (column, metric).

        Raises:
            NotFoundError: No run has this id.
        """
        data = self._client.get("/monitoring/runs/get", {"run_id": run_id})
        return run_from_json(data["run"])

    def list_monitor_runs(
        self,
        deployment: str,
        *,
        since: int | None = None,
        until: int | None = None,
        max_results: int = MONITOR_RUNS_MAX_RESULTS_DEFAULT,
        page_token: str | None = None,
    ) -> Page[MonitorRun]:
        """Runs whose window ends in [since, until), newest first, without points.

        Raises:
            InvalidParameterError: An argument is invalid (field named).
            InvalidPageTokenError: The page token was not issued by the server.
        """
        query = {
            "deployment": checked_text(deployment, "deployment", MAX_DEPLOYMENT_LENGTH),
            "since": checked_optional_time(since, "since"),
            "until": checked_optional_time(until, "until"),
            "max_results": validate_max_results(max_results, MONITOR_RUNS_MAX_RESULTS_LIMIT),
            "page_token": page_token,
        }
        data = self._client.get("/monitoring/runs/list", query)
        return page_from_json(data, "runs", run_from_json)

    def get_series(
        self,
        deployment: str,
        column: str,
        metric: str,
        *,
        since: int | None = None,
        until: int | None = None,
        model_version: int | None = None,
    ) -> list[SeriesPoint]:
        """One metric of one column across runs (window end in [since, until)), oldest first.

        Raises:
            InvalidParameterError: An argument is invalid (field named).
        """
        query = {
            "deployment": checked_text(deployment, "deployment", MAX_DEPLOYMENT_LENGTH),
            "column": checked_text(column, "column", MAX_COLUMN_LENGTH),
            "metric": checked_text(metric, "metric", MAX_METRIC_LENGTH),
            "model_version": checked_model_version(model_version),
            "since": checked_optional_time(since, "since"),
            "until": checked_optional_time(until, "until"),
        }
        data = self._client.get("/monitoring/series/get", query)
        return [series_point_from_json(point) for point in data.get("series") or []]

    def delete_monitor_runs(self, deployment: str, *, before: int) -> int:
        """Delete the runs whose window ended before ``before``; returns how many.

        Raises:
            InvalidParameterError: An argument is invalid (field named).
        """
        body = {
            "deployment": checked_text(deployment, "deployment", MAX_DEPLOYMENT_LENGTH),
            "before": checked_time(before, "before"),
        }
        return int(self._client.post("/monitoring/runs/delete", body)["deleted"])
