"""Every endpoint the server mounts, by API, with the prefixes it is mounted under.

MLflow's routes are mounted under ``/api/2.0`` and mirrored under ``/ajax-api/2.0`` (the MLflow
UI calls the latter); the native API lives under ``/api/v1``. Adding a module here is the only
way to add routes, and every route is an :class:`~driftloop.server.routing.Endpoint` with a
declared permission.
"""

from __future__ import annotations

import dataclasses

from driftloop.server import system
from driftloop.server.api_v1 import ct as v1_ct
from driftloop.server.api_v1 import deployments as v1_deployments
from driftloop.server.api_v1 import monitoring as v1_monitoring
from driftloop.server.api_v1 import registry as v1_registry
from driftloop.server.api_v1 import tracking as v1_tracking
from driftloop.server.auth import routes as auth_routes
from driftloop.server.mlflow_api import (
    artifact_proxy,
    artifacts,
    experiments,
    logged_models,
    metrics,
    registry,
    runs,
)
from driftloop.server.routing import Endpoint

MLFLOW_PREFIXES = ("/api/2.0", "/ajax-api/2.0")
MLFLOW_V3_PREFIXES = ("/api/3.0", "/ajax-api/3.0")
NATIVE_PREFIX = "/api/v1"

_MLFLOW_MODULES = (experiments, runs, metrics, artifacts, logged_models, registry, artifact_proxy)


def all_endpoints() -> list[Endpoint]:
    """The endpoints with their final paths."""
    mounted: list[Endpoint] = list(system.ENDPOINTS)
    for module in _MLFLOW_MODULES:
        for declared in module.ENDPOINTS:
            mounted.extend(
                dataclasses.replace(declared, path=prefix + declared.path)
                for prefix in MLFLOW_PREFIXES
            )
    for module in (v1_tracking, v1_registry, v1_deployments, v1_monitoring, v1_ct, auth_routes):
        mounted.extend(
            dataclasses.replace(declared, path=NATIVE_PREFIX + declared.path)
            for declared in module.ENDPOINTS
        )
    return mounted
