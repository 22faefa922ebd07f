"""Store interfaces, one small ABC per aggregate (one module each, re-exported here).

``tracking_base`` (experiments, runs), ``registry_base`` (registered models, versions, the
event log), ``logged_model_base``, ``deployment_base``, ``monitor_base`` and ``ct_base``.
Every backend (SQL, REST) implements these and must pass the contract suites in
:mod:`driftloop.testing`. Each public method is one transaction. Ids are strings. Times are
milliseconds since the epoch. Errors are :mod:`driftloop.errors` classes, never driver errors.
"""

from __future__ import annotations

from driftloop.store.ct_base import (
    CT_EPISODES_MAX_RESULTS_DEFAULT,
    CT_EPISODES_MAX_RESULTS_LIMIT,
    CT_EVENTS_MAX_RESULTS_DEFAULT,
    CT_EVENTS_MAX_RESULTS_LIMIT,
    CtEventDraft,
    CtStore,
)
from driftloop.store.deployment_base import (
    UNCHANGED,
    DeploymentStore,
)
from driftloop.store.logged_model_base import (
    LOGGED_MODEL_MAX_RESULTS_DEFAULT,
    LOGGED_MODEL_MAX_RESULTS_LIMIT,
    LoggedModelStore,
)
from driftloop.store.monitor_base import (
    MONITOR_RUNS_MAX_RESULTS_DEFAULT,
    MONITOR_RUNS_MAX_RESULTS_LIMIT,
    MonitorStore,
)
from driftloop.store.registry_base import (
    EVENT_MAX_RESULTS_DEFAULT,
    EVENT_MAX_RESULTS_LIMIT,
    MODEL_VERSION_MAX_RESULTS_DEFAULT,
    MODEL_VERSION_MAX_RESULTS_LIMIT,
    REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
    REGISTERED_MODEL_MAX_RESULTS_LIMIT,
    EventStore,
    ModelVersionStore,
    RegistryStore,
)
from driftloop.store.tracking_base import (
    SEARCH_MAX_RESULTS_DEFAULT,
    SEARCH_MAX_RESULTS_LIMIT,
    ExperimentStore,
    RunStore,
)

__all__ = [
    "CT_EPISODES_MAX_RESULTS_DEFAULT",
    "CT_EPISODES_MAX_RESULTS_LIMIT",
    "CT_EVENTS_MAX_RESULTS_DEFAULT",
    "CT_EVENTS_MAX_RESULTS_LIMIT",
    "EVENT_MAX_RESULTS_DEFAULT",
    "EVENT_MAX_RESULTS_LIMIT",
    "LOGGED_MODEL_MAX_RESULTS_DEFAULT",
    "LOGGED_MODEL_MAX_RESULTS_LIMIT",
    "MODEL_VERSION_MAX_RESULTS_DEFAULT",
    "MODEL_VERSION_MAX_RESULTS_LIMIT",
    "MONITOR_RUNS_MAX_RESULTS_DEFAULT",
    "MONITOR_RUNS_MAX_RESULTS_LIMIT",
    "REGISTERED_MODEL_MAX_RESULTS_DEFAULT",
    "REGISTERED_MODEL_MAX_RESULTS_LIMIT",
    "SEARCH_MAX_RESULTS_DEFAULT",
    "SEARCH_MAX_RESULTS_LIMIT",
    "UNCHANGED",
    "CtEventDraft",
    "CtStore",
    "DeploymentStore",
    "EventStore",
    "ExperimentStore",
    "LoggedModelStore",
    "ModelVersionStore",
    "MonitorStore",
    "RegistryStore",
    "RunStore",
]
