"""Tracking: the explicit :class:`Client`, the fluent API and background metric batching."""

from driftloop.tracking.batching import flush_metrics
from driftloop.tracking.client import Client
from driftloop.tracking.fluent import (
    active_run,
    end_run,
    get_run,
    last_active_run,
    log_artifact,
    log_artifacts,
    log_input,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    search_runs,
    set_experiment,
    set_tag,
    set_tags,
    start_run,
)
from driftloop.tracking.run_stack import ActiveRun
from driftloop.tracking.uri import get_tracking_uri, set_tracking_uri

__all__ = [
    "ActiveRun",
    "Client",
    "active_run",
    "end_run",
    "flush_metrics",
    "get_run",
    "get_tracking_uri",
    "last_active_run",
    "log_artifact",
    "log_artifacts",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "search_runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]
