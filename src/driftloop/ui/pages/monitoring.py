"""Monitoring: per deployment, drift by column over time, verdicts, live performance, alarms.

Everything but the distributions comes from the monitor store (the runs ``driftloop monitor
run`` and the CT controller recorded): a heatmap of each column's drift score over the
newest runs, the dataset verdict of each, the live performance metric against the
champion's validation value (the same metric logged by the run that trained the version
that scored the window), and the change points the detector found in the error stream,
marked on the timeline. The per-column distributions of one run are measured again from
the inference log (:mod:`driftloop.ui.drift_window`).
"""

from __future__ import annotations

import math
import re
from typing import Any

from starlette.responses import Response

from driftloop.entities import (
    DATASET_COLUMN,
    PERFORMANCE_COLUMN,
    Deployment,
    MonitorRun,
)
from driftloop.errors import NotFoundError
from driftloop.server.routing import Call, Endpoint, Permission, Resource
from driftloop.store.sql import SqlStores
from driftloop.ui.bars import HEIGHT, WIDTH, distribution_bars
from driftloop.ui.drift_window import window_drift
from driftloop.ui.heatmap import CHANGE_POINTS_METRIC, Heatmap, build_heatmap
from driftloop.ui.page import bad_request, page
from driftloop.ui.pages.deployments import visible_deployments
from driftloop.ui.registry import NavEntry
from driftloop.ui.render import render

NAV = NavEntry("Monitoring", "/monitoring", 40)
WINDOWS = 30
"""Monitoring runs shown (the newest)."""
NOT_PERFORMANCE = frozenset({"labelled_rows", CHANGE_POINTS_METRIC})
PREFERRED_METRICS = ("accuracy", "rmse", "f1", "mae")
_RUN_ID = re.compile(r"[0-9a-f]{32}")


class MonitorRunNotFoundError(NotFoundError):
    """No monitoring run of this deployment has the id."""


def monitoring(call: Call) -> Response:
    """List the deployments with their latest monitoring verdict."""
    store = call.state.stores.monitoring
    rows = []
    for row in visible_deployments(call):
        latest = store.list_monitor_runs(row.deployment.name, max_results=1).items
        rows.append((row, latest[0] if latest else None))
    return render(call, "monitoring.html.j2", {"rows": rows})


def monitoring_view(call: Call) -> Response:
    """One deployment's drift heatmap, verdicts, live performance and alarms."""
    name = call.params.required_str("name")
    stores = call.state.stores
    deployment = stores.deployments.get_deployment(name)
    listed = stores.monitoring.list_monitor_runs(deployment.name, max_results=WINDOWS).items
    runs = [stores.monitoring.get_monitor_run(r.run_id) for r in listed]
    chosen = _chosen_run(call, deployment, runs)
    heatmap = build_heatmap(runs)
    metrics = sorted(
        {p.metric for r in runs for p in r.points if p.column == PERFORMANCE_COLUMN}
        - NOT_PERFORMANCE
    )
    metric = _chosen_metric(call, metrics)
    performance = _performance(stores, deployment, runs, metric) if metric else []
    distributions = None
    if chosen is not None:
        distributions = window_drift(call, deployment, chosen)
    return render(
        call,
        "monitoring_view.html.j2",
        {
            "d": deployment,
            "heatmap": heatmap,
            "cell_width": 56,
            "label_width": 120,
            "runs_newest": runs,
            "chosen": chosen,
            "distributions": distributions,
            "bars": distribution_bars,
            "bar_box": (WIDTH, HEIGHT),
            "metrics": metrics,
            "metric": metric,
            "performance": performance,
            "chart": _chart(heatmap, runs, performance, metric),
            "alarms": [w for w in reversed(heatmap.windows) if w.alarm],
        },
    )


def _chosen_run(call: Call, deployment: Deployment, runs: list[MonitorRun]) -> MonitorRun | None:
    run_id = call.params.string("run")
    if run_id is None:
        return runs[0] if runs else None
    if not _RUN_ID.fullmatch(run_id):
        raise bad_request("run must be a monitoring run id (32 hex characters)", "run")
    try:
        found = call.state.stores.monitoring.get_monitor_run(run_id)
    except NotFoundError:
        found = None
    if found is None or found.deployment != deployment.name:
        raise MonitorRunNotFoundError(
            f"deployment {deployment.name!r} has no monitoring run {run_id!r}", field="run"
        )
    return found


def _chosen_metric(call: Call, metrics: list[str]) -> str | None:
    wanted = call.params.string("metric")
    if wanted is not None:
        if wanted not in metrics:
            raise bad_request(
                f"metric must be one of the live metrics recorded ({', '.join(metrics) or 'none'})",
                "metric",
            )
        return wanted
    preferred = [m for m in PREFERRED_METRICS if m in metrics]
    return preferred[0] if preferred else (metrics[0] if metrics else None)


def _performance(
    stores: SqlStores, deployment: Deployment, runs: list[MonitorRun], metric: str
) -> list[dict[str, Any]]:
    """Per run (oldest first): the live value, the validation value of its version, labels."""
    validation: dict[int, float | None] = {}
    rows = []
    for run in sorted(runs, key=lambda r: (r.window_end, r.run_id)):
        values = {p.metric: p.value for p in run.points if p.column == PERFORMANCE_COLUMN}
        live = values.get(metric)
        version = run.model_version
        if version is not None and version not in validation:
            validation[version] = _validation_value(stores, deployment, version, metric)
        reference = None if version is None else validation[version]
        rows.append(
            {
                "run": run,
                "live": None if live is None or math.isnan(live) else live,
                "validation": reference,
                "labelled": values.get("labelled_rows"),
                "change_points": values.get(CHANGE_POINTS_METRIC),
            }
        )
    return rows


def _validation_value(
    stores: SqlStores, deployment: Deployment, version: int, metric: str
) -> float | None:
    """The metric as logged by the run that trained ``version`` (None when not logged)."""
    try:
        found = stores.model_versions.get_model_version(deployment.model_name, version)
        if found.run_id is None:
            return None
        value = stores.runs.get_run(found.run_id).data.metrics.get(metric)
    except NotFoundError:
        return None
    return None if value is None or not math.isfinite(value) else float(value)


def _chart(
    heatmap: Heatmap, runs: list[MonitorRun], performance: list[dict[str, Any]], metric: str | None
) -> dict[str, Any]:
    """The series ``loop.js`` draws: x in seconds, one value per window (null when none)."""
    by_id = {run.run_id: run for run in runs}
    share = [
        next(
            (
                p.value
                for p in by_id[w.run_id].points
                if p.column == DATASET_COLUMN and p.metric == "drifted_share"
            ),
            None,
        )
        for w in heatmap.windows
    ]
    series: list[dict[str, Any]] = [
        {"label": "drifted share of columns", "values": [_finite(v) for v in share]}
    ]
    if metric is not None:
        series.append({"label": f"live {metric}", "values": [r["live"] for r in performance]})
        series.append(
            {
                "label": f"validation {metric} (champion's training run)",
                "values": [r["validation"] for r in performance],
                "dash": True,
            }
        )
    return {
        "x": [w.window_end / 1000 for w in heatmap.windows],
        "series": series,
        "alarms": [
            (w.alarm_ms if w.alarm_ms is not None else w.window_end) / 1000
            for w in heatmap.windows
            if w.alarm
        ],
    }


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


_DEPLOYMENT = Resource.DEPLOYMENT

PAGES: list[Endpoint] = [
    page("/monitoring", monitoring),
    page("/monitoring/view", monitoring_view, Permission.READ, _DEPLOYMENT),
]
