"""The store ABCs over a driftloop server's native REST API (``/api/v1``)."""

from driftloop.store.rest.client import RestClient
from driftloop.store.rest.ct import RestCtStore
from driftloop.store.rest.deployments import RestDeploymentStore
from driftloop.store.rest.errors import RemoteError
from driftloop.store.rest.events import RestEventStore
from driftloop.store.rest.experiments import RestExperimentStore
from driftloop.store.rest.logged_models import RestLoggedModelStore
from driftloop.store.rest.model_versions import RestModelVersionStore
from driftloop.store.rest.monitoring import RestMonitorStore
from driftloop.store.rest.registry import RestRegistryStore
from driftloop.store.rest.runs import RestRunStore
from driftloop.store.rest.stores import RestStores, open_rest_stores

__all__ = [
    "RemoteError",
    "RestClient",
    "RestCtStore",
    "RestDeploymentStore",
    "RestEventStore",
    "RestExperimentStore",
    "RestLoggedModelStore",
    "RestModelVersionStore",
    "RestMonitorStore",
    "RestRegistryStore",
    "RestRunStore",
    "RestStores",
    "open_rest_stores",
]
