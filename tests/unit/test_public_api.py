from __future__ import annotations

import types

import driftloop

EXPECTED = {
    "__version__",
    "Client",
    "set_tracking_uri",
    "get_tracking_uri",
    "set_experiment",
    "start_run",
    "end_run",
    "active_run",
    "last_active_run",
    "log_param",
    "log_params",
    "log_metric",
    "log_metrics",
    "set_tag",
    "set_tags",
    "log_artifact",
    "log_artifacts",
    "log_input",
    "flush_metrics",
    "search_runs",
    "get_run",
    "log_model",
    "load_model",
    "save_model",
    "register_model",
    "ActiveRun",
    "DriftloopError",
    "Experiment",
    "Run",
    "Metric",
    "Param",
    "RunTag",
    "Dataset",
    "DatasetInput",
    "RunStatus",
    "ViewType",
}


def test_all_is_exactly_the_public_api() -> None:
    assert set(driftloop.__all__) == EXPECTED
    assert len(driftloop.__all__) == len(EXPECTED)


def test_every_exported_name_resolves() -> None:
    for name in driftloop.__all__:
        assert getattr(driftloop, name) is not None, name


def test_no_public_attribute_is_missing_from_all() -> None:
    public = {
        name
        for name in dir(driftloop)
        if not name.startswith("_") and not isinstance(getattr(driftloop, name), types.ModuleType)
    }
    assert public <= set(driftloop.__all__)


def test_version_is_a_string() -> None:
    assert isinstance(driftloop.__version__, str)
    assert driftloop.__version__
