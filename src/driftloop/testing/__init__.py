"""Contract suites that every store backend must pass, shipped for third-party backends too.

Subclass a contract class in a test module (its name must start with ``Test``) and provide
the fixtures it names: ``experiment_store`` and ``run_store`` (two views of one tracking
backend) for the tracking suites, ``artifact_repo`` for the artifact suite, and
``registry_store``, ``model_version_store`` and ``event_store`` for the registry suites,
those three plus ``deployment_store`` for the deployment suite, ``monitor_store`` for the
monitoring suite, and ``ct_store`` for the continuous-training suite.
"""

from driftloop.testing.artifact_contract import ArtifactRepositoryContract
from driftloop.testing.ct_contract import CtStoreContract
from driftloop.testing.deployment_contract import DeploymentStoreContract
from driftloop.testing.experiment_contract import ExperimentStoreContract
from driftloop.testing.helpers import (
    FORGED_PAGE_TOKEN,
    T0,
    collect_pages,
    now_ms,
    unique_name,
    wait_next_millisecond,
)
from driftloop.testing.metric_contract import RunMetricContract
from driftloop.testing.monitor_contract import MonitorStoreContract
from driftloop.testing.postgres import (
    postgres_base_url,
    require_postgres,
    temporary_postgres_database,
)
from driftloop.testing.registry_concurrency_contract import RegistryConcurrencyContract
from driftloop.testing.registry_contract import ModelRegistryContract, RegistryStoreContract
from driftloop.testing.registry_event_contract import EventStoreContract
from driftloop.testing.registry_search_contract import RegistrySearchContract
from driftloop.testing.registry_version_contract import ModelVersionStoreContract
from driftloop.testing.run_contract import RunStoreContract
from driftloop.testing.search_contract import RunSearchContract
from driftloop.testing.search_order_contract import RunSearchOrderContract
from driftloop.testing.tracking_contract import TrackingStoreContract

__all__ = [
    "FORGED_PAGE_TOKEN",
    "T0",
    "ArtifactRepositoryContract",
    "CtStoreContract",
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
]
