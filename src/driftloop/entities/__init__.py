"""Frozen value objects that every layer of driftloop passes around."""

from driftloop.entities.artifact import FileInfo
from driftloop.entities.ct import (
    CT_TRANSITIONS,
    CtEpisode,
    CtEvent,
    CtEventKind,
    CtLease,
    CtPhase,
    TriggerKind,
)
from driftloop.entities.dataset import Dataset, DatasetInput
from driftloop.entities.deployment import Deployment, DeploymentMode, DeploymentState
from driftloop.entities.experiment import Experiment
from driftloop.entities.lifecycle import LifecycleStage, RunStatus, ViewType
from driftloop.entities.logged_model import LoggedModel, LoggedModelStatus
from driftloop.entities.metric import Metric, Param, RunTag
from driftloop.entities.monitoring import (
    DATASET_COLUMN,
    PERFORMANCE_COLUMN,
    PREDICTION_COLUMN,
    MonitorPoint,
    MonitorRun,
    MonitorVerdict,
    SeriesPoint,
)
from driftloop.entities.page import Page
from driftloop.entities.registry import (
    ModelVersion,
    ModelVersionStatus,
    RegisteredModel,
    RegistryEvent,
    RegistryEventType,
)
from driftloop.entities.run import (
    PARENT_RUN_ID_TAG,
    RUN_NAME_TAG,
    Run,
    RunData,
    RunInfo,
    RunInputs,
)

__all__ = [
    "CT_TRANSITIONS",
    "DATASET_COLUMN",
    "PARENT_RUN_ID_TAG",
    "PERFORMANCE_COLUMN",
    "PREDICTION_COLUMN",
    "RUN_NAME_TAG",
    "CtEpisode",
    "CtEvent",
    "CtEventKind",
    "CtLease",
    "CtPhase",
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
    "MonitorPoint",
    "MonitorRun",
    "MonitorVerdict",
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
    "SeriesPoint",
    "TriggerKind",
    "ViewType",
]
