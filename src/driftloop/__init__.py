"""driftloop: track, package, register, serve, monitor and retrain ML models."""

from driftloop._version import __version__
from driftloop.entities import (
    Dataset,
    DatasetInput,
    Experiment,
    Metric,
    Param,
    Run,
    RunStatus,
    RunTag,
    ViewType,
)
from driftloop.errors import DriftloopError
from driftloop.tracking import (
    ActiveRun,
    Client,
    active_run,
    end_run,
    flush_metrics,
    get_run,
    get_tracking_uri,
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
    set_tracking_uri,
    start_run,
)

# isort: split
# models and registry come after tracking, which they build on.
from driftloop.models import load_model, log_model, save_model
from driftloop.registry import register_model

__all__ = [
    "ActiveRun",
    "Client",
    "Dataset",
    "DatasetInput",
    "DriftloopError",
    "Experiment",
    "Metric",
    "Param",
    "Run",
    "RunStatus",
    "RunTag",
    "ViewType",
    "__version__",
    "active_run",
    "end_run",
    "flush_metrics",
    "get_run",
    "get_tracking_uri",
    "last_active_run",
    "load_model",
    "log_artifact",
    "log_artifacts",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_model",
    "log_param",
    "log_params",
    "register_model",
    "save_model",
    "search_runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]
