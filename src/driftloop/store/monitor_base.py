"""Store interface of monitoring runs and their series."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence

from driftloop.entities import (
    MonitorPoint,
    MonitorRun,
    MonitorVerdict,
    Page,
    SeriesPoint,
)

MONITOR_RUNS_MAX_RESULTS_DEFAULT = 100
MONITOR_RUNS_MAX_RESULTS_LIMIT = 1000


class MonitorStore(abc.ABC):
    """Monitoring runs and their measured points.

    Read back as time series per deployment, version, column and metric, for the UI, the
    reports and the CT controller.
    """

    @abc.abstractmethod
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
        """Store one run and all its points in one transaction; returns it with its id.

        Raises:
            InvalidParameterError: A field is invalid (``field`` names it, e.g.
                ``points[3].metric``): empty deployment/column/metric, window_end <
                window_start, negative rows, unknown verdict, an infinite value, or two
                points with the same (column, metric).
        """

    @abc.abstractmethod
    def get_monitor_run(self, run_id: str) -> MonitorRun:
        """The run with its points (sorted by column, then metric).

        Raises:
            NotFoundError: No run has this id.
        """

    @abc.abstractmethod
    def list_monitor_runs(
        self,
        deployment: str,
        *,
        since: int | None = None,
        until: int | None = None,
        max_results: int = MONITOR_RUNS_MAX_RESULTS_DEFAULT,
        page_token: str | None = None,
    ) -> Page[MonitorRun]:
        """Runs of ``deployment`` whose window ends in [since, until), newest first.

        Listed runs carry no points (``points`` is empty; use :meth:`get_monitor_run`).

        Raises:
            InvalidParameterError: ``max_results`` out of range (1..1000).
            InvalidPageTokenError: The page token was not issued by this store.
        """

    @abc.abstractmethod
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

        ``model_version`` keeps only runs of that version.
        """

    @abc.abstractmethod
    def delete_monitor_runs(self, deployment: str, *, before: int) -> int:
        """Delete runs of ``deployment`` whose window ended before ``before`` (retention).

        Returns:
            How many runs were deleted.
        """
