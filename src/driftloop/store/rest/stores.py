"""Open the REST stores of a driftloop server."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from driftloop.store.rest.client import RestClient
from driftloop.store.rest.ct import RestCtStore
from driftloop.store.rest.deployments import RestDeploymentStore
from driftloop.store.rest.events import RestEventStore
from driftloop.store.rest.experiments import RestExperimentStore
from driftloop.store.rest.logged_models import RestLoggedModelStore
from driftloop.store.rest.model_versions import RestModelVersionStore
from driftloop.store.rest.monitoring import RestMonitorStore
from driftloop.store.rest.registry import RestRegistryStore
from driftloop.store.rest.runs import RestRunStore


@dataclass(frozen=True, slots=True)
class RestStores:
    """The stores of one server, sharing one HTTP client (the attributes of ``SqlStores``).

    Attributes:
        experiments: The experiment store.
        runs: The run store.
        registry: The registered-model (and alias) store.
        model_versions: The model version store.
        events: The registry event log.
        logged_models: The logged model store (MLflow 3).
        deployments: The deployment store (serving targets of registered models).
        monitoring: The monitoring store (runs over live traffic, their time series).
        ct: The continuous-training store (episodes, their event log, leases).
        client: The HTTP client they share; :meth:`close` closes its connections.
    """

    experiments: RestExperimentStore
    runs: RestRunStore
    registry: RestRegistryStore
    model_versions: RestModelVersionStore
    events: RestEventStore
    logged_models: RestLoggedModelStore
    deployments: RestDeploymentStore
    monitoring: RestMonitorStore
    ct: RestCtStore
    client: RestClient

    def close(self) -> None:
        """Close the HTTP connections; the stores must not be used afterwards."""
        self.client.close()


def open_rest_stores(base_url: str, *, transport: httpx.BaseTransport | None = None) -> RestStores:
    """The stores of the driftloop server at ``base_url`` (``http(s)://host:port``).

    Nothing is sent until the first call. Credentials come from the environment (see
    :mod:`driftloop.store.rest.client`).
    """
    client = RestClient(base_url, transport=transport)
    return RestStores(
        experiments=RestExperimentStore(client),
        runs=RestRunStore(client),
        registry=RestRegistryStore(client),
        model_versions=RestModelVersionStore(client),
        events=RestEventStore(client),
        logged_models=RestLoggedModelStore(client),
        deployments=RestDeploymentStore(client),
        monitoring=RestMonitorStore(client),
        ct=RestCtStore(client),
        client=client,
    )
