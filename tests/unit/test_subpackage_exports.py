"""Each public subpackage's ``__all__`` lists exactly its public names, and they all exist."""

from __future__ import annotations

import importlib
import types

import pytest

EXPECTED = {
    "driftloop.entities": {
        "DATASET_COLUMN",
        "PERFORMANCE_COLUMN",
        "PREDICTION_COLUMN",
        "MonitorPoint",
        "MonitorRun",
        "MonitorVerdict",
        "SeriesPoint",
        "PARENT_RUN_ID_TAG",
        "RUN_NAME_TAG",
        "Dataset",
        "DatasetInput",
        "Deployment",
        "DeploymentMode",
        "DeploymentState",
        "Experiment",
        "FileInfo",
        "LifecycleStage",
        "LoggedModel",
        "LoggedModelStatus",
        "Metric",
        "ModelVersion",
        "ModelVersionStatus",
        "Page",
        "Param",
        "RegisteredModel",
        "RegistryEvent",
        "RegistryEventType",
        "Run",
        "RunData",
        "RunInfo",
        "RunInputs",
        "RunStatus",
        "RunTag",
        "ViewType",
    },
    "driftloop.testing": {
        "FORGED_PAGE_TOKEN",
        "T0",
        "ArtifactRepositoryContract",
        "DeploymentStoreContract",
        "EventStoreContract",
        "ExperimentStoreContract",
        "ModelRegistryContract",
        "ModelVersionStoreContract",
        "MonitorStoreContract",
        "RegistryConcurrencyContract",
        "RegistrySearchContract",
        "RegistryStoreContract",
        "RunMetricContract",
        "RunSearchContract",
        "RunSearchOrderContract",
        "RunStoreContract",
        "TrackingStoreContract",
        "collect_pages",
        "now_ms",
        "postgres_base_url",
        "require_postgres",
        "temporary_postgres_database",
        "unique_name",
        "wait_next_millisecond",
    },
    "driftloop.models": {
        "MODEL_FORMAT_VERSION",
        "ColumnSpec",
        "DataType",
        "EnforcedInput",
        "LoadedModel",
        "ModelInfo",
        "ModelManifest",
        "ModelMetadata",
        "ModelSignature",
        "ModelUri",
        "ProbabilisticLoadedModel",
        "SavedModel",
        "Schema",
        "TensorSpec",
        "as_model_input",
        "enforce_signature",
        "infer_signature",
        "load_model",
        "log_model",
        "parse_model_uri",
        "save_model",
    },
    "driftloop.monitoring.stats": {
        "StatResult",
        "chi_square",
        "cumulative_proportions",
        "jensen_shannon",
        "ks_binned",
        "ks_two_sample",
        "linf",
        "proportions_ztest",
        "psi",
        "wasserstein",
    },
    "driftloop.registry": {"DatasetLineage", "Lineage", "model_lineage", "register_model"},
    "driftloop.store.search": {
        "Clause",
        "OrderKey",
        "decode_page_token",
        "encode_page_token",
        "parse_order_by",
        "parse_search_filter",
    },
}


@pytest.mark.parametrize("module_name", sorted(EXPECTED))
def test_all_is_exactly_the_public_names(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert set(module.__all__) == EXPECTED[module_name]
    assert len(module.__all__) == len(EXPECTED[module_name])
    for name in module.__all__:
        assert hasattr(module, name), name
    public = {
        name
        for name in dir(module)
        if not name.startswith("_") and not isinstance(getattr(module, name), types.ModuleType)
    }
    assert public <= set(module.__all__)
